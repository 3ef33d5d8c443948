// weights/f32.wgsl — weight storage as f32; prepended to kernels that read a weight matrix.
@group(0) @binding(1) var<storage, read> weight: array<f32>;

fn weight_at(index: u32) -> f32 {
  return weight[index];
}

// Four neighbouring values from `index` (a multiple of 4).
fn weight4_at(index: u32) -> vec4f {
  return vec4f(weight[index], weight[index + 1u], weight[index + 2u], weight[index + 3u]);
}
