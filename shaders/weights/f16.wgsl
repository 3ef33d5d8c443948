// weights/f16.wgsl — weight storage as f16 (needs the shader-f16 feature); values widen to f32
// before any arithmetic so that accumulation stays in f32.
enable f16;

@group(0) @binding(1) var<storage, read> weight: array<f16>;

fn weight_at(index: u32) -> f32 {
  return f32(weight[index]);
}
