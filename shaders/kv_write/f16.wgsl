// kv_write/f16.wgsl — KV cache stored as f16: keys and values round to nearest f16 when written.
enable f16;

@group(0) @binding(5) var<storage, read_write> k_cache: array<f16>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f16>;

fn k_store(index: u32, value: f32) {
  k_cache[index] = f16(value);
}

fn v_store(index: u32, value: f32) {
  v_cache[index] = f16(value);
}
