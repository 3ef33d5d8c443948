// kv_write/f32.wgsl — KV cache stored as f32; prepended to rope_kv.wgsl (k_store / v_store).
@group(0) @binding(5) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f32>;

fn k_store(index: u32, value: f32) {
  k_cache[index] = value;
}

fn v_store(index: u32, value: f32) {
  v_cache[index] = value;
}
