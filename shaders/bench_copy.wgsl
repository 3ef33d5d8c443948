// bench_copy.wgsl — dst = src, 16 bytes per invocation: the bandwidth peak the benchmarks divide by
// (bytes read + bytes written per second).

struct Params {
  vectors: u32,
  groups_x: u32, // workgroups along x (2-D grid past 65,535 workgroups)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let i = (wid.y * params.groups_x + wid.x) * 256u + t;
  if (i < params.vectors) {
    dst[i] = src[i];
  }
}
