// attention.wgsl — causal grouped-query attention of each row's query over its own cache slot,
// positions 0..=position. One workgroup per (head, row); keys are visited in blocks of WG with an
// online softmax (running max and sum), so no score matrix is ever materialised and memory stays
// O(head_dim) per workgroup at any context length. Serves prefill (many rows of one sequence) and
// decode (one row per sequence) alike.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,   // at most 4 * WG
  max_len: u32,
  scale: f32,      // 1 / sqrt(head_dim)
}

struct Step {
  rows: u32,
}

const WG: u32 = 64u;
const NEG_INF: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;          // [rows, heads, head_dim]
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>; // (slot, position)
@group(0) @binding(3) var<storage, read> k_cache: array<f32>;
@group(0) @binding(4) var<storage, read> v_cache: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;  // [rows, heads * head_dim]
@group(0) @binding(6) var<uniform> step: Step;

var<workgroup> q_tile: array<f32, 256>;
var<workgroup> probs: array<f32, WG>;
var<workgroup> reduce: array<f32, WG>;
var<workgroup> key_count: u32;
var<workgroup> slot_shared: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  let row = wid.y;
  if (row >= step.rows) {
    return;
  }
  let d_len = params.head_dim;
  let g = h / (params.heads / params.kv_heads);
  if (t == 0u) {
    let row_info = row_meta[row];
    slot_shared = row_info.x;
    key_count = row_info.y + 1u;
  }
  let q_base = (row * params.heads + h) * d_len;
  for (var d = t; d < d_len; d += WG) {
    q_tile[d] = q[q_base + d] * params.scale;
  }
  // Uniform loads make the loop bound provably the same for the whole workgroup (barriers inside).
  let n_keys = workgroupUniformLoad(&key_count);
  let slot = workgroupUniformLoad(&slot_shared);

  var running_max = NEG_INF;
  var running_sum = 0.0;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  let stride = params.kv_heads * d_len;
  let slot_base = slot * params.max_len * stride + g * d_len;

  for (var block = 0u; block < n_keys; block += WG) {
    let j = block + t;
    var score = NEG_INF;
    if (j < n_keys) {
      let k_base = slot_base + j * stride;
      var dot = 0.0;
      for (var d = 0u; d < d_len; d++) {
        dot += q_tile[d] * k_cache[k_base + d];
      }
      score = dot;
    }
    reduce[t] = score;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (t < s) {
        reduce[t] = max(reduce[t], reduce[t + s]);
      }
      workgroupBarrier();
    }
    let new_max = max(running_max, reduce[0]);
    workgroupBarrier();
    var p = 0.0;
    if (j < n_keys) {
      p = exp(score - new_max);
    }
    probs[t] = p;
    reduce[t] = p;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (t < s) {
        reduce[t] += reduce[t + s];
      }
      workgroupBarrier();
    }
    let correction = exp(running_max - new_max);
    running_sum = running_sum * correction + reduce[0];
    running_max = new_max;
    let in_block = min(WG, n_keys - block);
    for (var c = 0u; c < 4u; c++) {
      let d = t + c * WG;
      if (d < d_len) {
        var sum = acc[c] * correction;
        for (var jj = 0u; jj < in_block; jj++) {
          sum += probs[jj] * v_cache[slot_base + (block + jj) * stride + d];
        }
        acc[c] = sum;
      }
    }
    workgroupBarrier();
  }
  let out_base = row * params.heads * d_len + h * d_len;
  for (var c = 0u; c < 4u; c++) {
    let d = t + c * WG;
    if (d < d_len) {
      out[out_base + d] = acc[c] / running_sum;
    }
  }
}
