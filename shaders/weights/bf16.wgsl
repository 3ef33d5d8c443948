// weights/bf16.wgsl — weight storage as bf16, two values per u32 exactly as safetensors stores them
// (little-endian: element 2i in the low half). bf16 is the top half of an f32, so unpacking is a
// shift: exact for every value, unlike a bf16 → f16 conversion (f16 lacks bf16's exponent range).
@group(0) @binding(1) var<storage, read> weight: array<u32>;

fn weight_at(index: u32) -> f32 {
  let word = weight[index >> 1u];
  let bits = select(word & 0xffff0000u, word << 16u, (index & 1u) == 0u);
  return bitcast<f32>(bits);
}
