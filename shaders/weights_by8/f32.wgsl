// weights_by8/f32.wgsl — weight storage as f32, read eight neighbouring values at a time (two vec4
// loads). For kernels that run on CPU adapters (matmul_blocked_shuffle.wgsl): lavapipe turns every
// storage load whose address differs between invocations into a loop over the SIMD lanes, so one
// vec4 load per lane costs about what one scalar load does; reading whole vec4s cuts those loops
// fourfold against weights/f32.wgsl's four scalar loads.
@group(0) @binding(1) var<storage, read> weight: array<vec4f>;

// Values index … index + 7 (index a multiple of 8), as two vec4s.
fn weight8_at(index: u32) -> array<vec4f, 2> {
  let i = index >> 2u;
  return array<vec4f, 2>(weight[i], weight[i + 1u]);
}
