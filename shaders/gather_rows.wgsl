// gather_rows.wgsl — out[i, :] = x[index[i], :]: picks the rows whose next-token distribution is
// needed, so the output head (vocabulary-sized) runs only at scored positions.

struct Params {
  width: u32,
}

struct Step {
  rows: u32,   // rows to gather
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> index: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let row = gid.y;
  if (i >= params.width || row >= step.rows) {
    return;
  }
  out[row * params.width + i] = x[index[row] * params.width + i];
}
