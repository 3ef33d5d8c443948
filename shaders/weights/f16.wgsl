// weights/f16.wgsl — weight storage as f16 (needs the shader-f16 feature); values widen to f32
// before any arithmetic so that accumulation stays in f32. Read as u32 words of two halves
// (little-endian: element 2i in the low half, as bitcast<vec2<f16>> takes it): on lavapipe every
// storage load costs a loop over the SIMD lanes, and weight4_at's two word loads replaced four half
// loads (decode at 1.8B shapes: 1.7× on lavapipe, bench/decode-bandwidth.ts). Exact either way.
enable f16;

@group(0) @binding(1) var<storage, read> weight: array<u32>;

fn weight_at(index: u32) -> f32 {
  let pair = bitcast<vec2<f16>>(weight[index >> 1u]);
  return f32(pair[index & 1u]);
}

// Four neighbouring values from `index` (a multiple of 4): two words.
fn weight4_at(index: u32) -> vec4f {
  let lo = bitcast<vec2<f16>>(weight[index >> 1u]);
  let hi = bitcast<vec2<f16>>(weight[(index >> 1u) + 1u]);
  return vec4f(vec2f(lo), vec2f(hi));
}
