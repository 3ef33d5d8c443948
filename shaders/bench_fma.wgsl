// bench_fma.wgsl — an f32 multiply-add loop with eight independent vec4 chains per invocation (so
// latency hides behind throughput): the compute peak the benchmarks divide by. Each iteration is
// 8 × 4 multiply-adds = 64 flops; the result is stored so the loop cannot be removed.

struct Params {
  iterations: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let seed = f32(gid.x) * 1.0e-7;
  var a0 = vec4f(seed, seed + 0.1, seed + 0.2, seed + 0.3);
  var a1 = a0 + 0.01;
  var a2 = a0 + 0.02;
  var a3 = a0 + 0.03;
  var a4 = a0 + 0.04;
  var a5 = a0 + 0.05;
  var a6 = a0 + 0.06;
  var a7 = a0 + 0.07;
  let m = vec4f(0.999999);
  let c = vec4f(1.0e-6);
  for (var i = 0u; i < params.iterations; i++) {
    a0 = a0 * m + c;
    a1 = a1 * m + c;
    a2 = a2 * m + c;
    a3 = a3 * m + c;
    a4 = a4 * m + c;
    a5 = a5 * m + c;
    a6 = a6 * m + c;
    a7 = a7 * m + c;
  }
  let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  out[gid.x] = s.x + s.y + s.z + s.w;
}
