// weights/f16.wgsl — weight storage as f16 (needs the shader-f16 feature); values widen to f32
// before any arithmetic so that accumulation stays in f32.
enable f16;

@group(0) @binding(1) var<storage, read> weight: array<f16>;

fn weight_at(index: u32) -> f32 {
  return f32(weight[index]);
}

// Four neighbouring values from `index` (a multiple of 4).
fn weight4_at(index: u32) -> vec4f {
  return vec4f(f32(weight[index]), f32(weight[index + 1u]), f32(weight[index + 2u]), f32(weight[index + 3u]));
}
