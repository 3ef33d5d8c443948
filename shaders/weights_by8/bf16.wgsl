// weights_by8/bf16.wgsl — weight storage as bf16 (two per u32, element 2i in the low half, as
// weights/bf16.wgsl), read eight neighbouring values in one 16-byte load (see weights_by8/f32.wgsl
// for why whole vectors); unpacking is a shift, exact for every value.
@group(0) @binding(1) var<storage, read> weight: array<vec4u>;

// Values index … index + 7 (index a multiple of 8), as two vec4s.
fn weight8_at(index: u32) -> array<vec4f, 2> {
  let v = weight[index >> 3u];
  let lo = vec4u(v.x << 16u, v.x & 0xffff0000u, v.y << 16u, v.y & 0xffff0000u);
  let hi = vec4u(v.z << 16u, v.z & 0xffff0000u, v.w << 16u, v.w & 0xffff0000u);
  return array<vec4f, 2>(bitcast<vec4f>(lo), bitcast<vec4f>(hi));
}
