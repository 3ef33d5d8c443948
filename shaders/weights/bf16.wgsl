// weights/bf16.wgsl — weight storage as bf16, two values per u32 exactly as safetensors stores them
// (little-endian: element 2i in the low half). bf16 is the top half of an f32, so unpacking is a
// shift: exact for every value, unlike a bf16 → f16 conversion (f16 lacks bf16's exponent range).
@group(0) @binding(1) var<storage, read> weight: array<u32>;

fn weight_at(index: u32) -> f32 {
  let word = weight[index >> 1u];
  let bits = select(word & 0xffff0000u, word << 16u, (index & 1u) == 0u);
  return bitcast<f32>(bits);
}

// Four neighbouring values from `index` (a multiple of 4): two words, no per-value selects.
fn weight4_at(index: u32) -> vec4f {
  let lo = weight[index >> 1u];
  let hi = weight[(index >> 1u) + 1u];
  return bitcast<vec4f>(vec4u(lo << 16u, lo & 0xffff0000u, hi << 16u, hi & 0xffff0000u));
}
