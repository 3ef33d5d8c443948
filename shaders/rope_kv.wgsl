// rope_kv.wgsl — splits the fused wqkv output, applies rotary position embeddings (rotate-half) to
// queries and keys, and writes keys and values into the KV cache at each row's (slot, position).
//
// qkv rows are InternLM2's grouped layout: for each KV head g, G = heads / kv_heads query heads,
// then one key head, then one value head, head_dim values each. cos/sin come per row from a table
// computed on the host in f64 (dynamic NTK scaling changes the base per sequence, and GPU sin/cos
// lose accuracy at large angles).

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  max_len: u32,   // positions per cache slot
}

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>;  // (slot, position)
@group(0) @binding(3) var<storage, read> rope: array<f32>;        // per row: cos[head_dim / 2], sin[head_dim / 2]
@group(0) @binding(4) var<storage, read_write> q: array<f32>;     // [rows, heads, head_dim]
// k_cache, v_cache at bindings 5 and 6: [slot, max_len, kv_heads, head_dim], from kv_write/*.wgsl.
@group(0) @binding(7) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let half_dim = params.head_dim / 2u;
  let group = params.heads / params.kv_heads;
  let heads_per_row = params.heads + 2u * params.kv_heads;
  let i = gid.x;              // pair index within the head
  let head_slot = gid.y;      // 0 .. heads_per_row
  let row = gid.z;
  if (i >= half_dim || head_slot >= heads_per_row || row >= step.rows) {
    return;
  }
  let g = head_slot / (group + 2u);
  let r = head_slot % (group + 2u);
  let src = (row * heads_per_row + head_slot) * params.head_dim;
  let x1 = qkv[src + i];
  let x2 = qkv[src + i + half_dim];
  let row_info = row_meta[row];
  let cache_base = ((row_info.x * params.max_len + row_info.y) * params.kv_heads + g) * params.head_dim;
  if (r == group + 1u) {
    v_store(cache_base + i, x1);
    v_store(cache_base + i + half_dim, x2);
    return;
  }
  let c = rope[row * params.head_dim + i];
  let s = rope[row * params.head_dim + half_dim + i];
  let y1 = x1 * c - x2 * s;
  let y2 = x2 * c + x1 * s;
  if (r == group) {
    k_store(cache_base + i, y1);
    k_store(cache_base + i + half_dim, y2);
  } else {
    let dst = (row * params.heads + g * group + r) * params.head_dim;
    q[dst + i] = y1;
    q[dst + i + half_dim] = y2;
  }
}
