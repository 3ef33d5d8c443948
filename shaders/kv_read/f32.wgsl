// kv_read/f32.wgsl — KV cache read as f32 (the default); prepended to the attention kernels.
@group(0) @binding(3) var<storage, read> k_cache: array<f32>;
@group(0) @binding(4) var<storage, read> v_cache: array<f32>;

fn k_at(index: u32) -> f32 {
  return k_cache[index];
}

fn v_at(index: u32) -> f32 {
  return v_cache[index];
}
