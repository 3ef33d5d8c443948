// weights_by8/f16.wgsl — weight storage as f16, read eight neighbouring values in one 16-byte load
// (see weights_by8/f32.wgsl for why whole vectors); each half widens to f32 exactly, as in
// weights/f16.wgsl.
enable f16;

@group(0) @binding(1) var<storage, read> weight: array<vec4u>;

fn halves(word: u32) -> vec2f {
  return vec2f(bitcast<vec2<f16>>(word));
}

// Values index … index + 7 (index a multiple of 8), as two vec4s.
fn weight8_at(index: u32) -> array<vec4f, 2> {
  let v = weight[index >> 3u];
  return array<vec4f, 2>(vec4f(halves(v.x), halves(v.y)), vec4f(halves(v.z), halves(v.w)));
}
