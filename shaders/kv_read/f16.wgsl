// kv_read/f16.wgsl — KV cache stored as f16 (half the memory and bandwidth; needs shader-f16),
// widened to f32 before any arithmetic.
enable f16;

@group(0) @binding(3) var<storage, read> k_cache: array<f16>;
@group(0) @binding(4) var<storage, read> v_cache: array<f16>;

fn k_at(index: u32) -> f32 {
  return f32(k_cache[index]);
}

fn v_at(index: u32) -> f32 {
  return f32(v_cache[index]);
}
