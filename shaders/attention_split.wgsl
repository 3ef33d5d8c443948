// attention_split.wgsl — decode attention over a long KV cache, split across workgroups: one
// workgroup per (head, row, segment of SEG keys). Each writes its segment's unnormalised state
// (running max, sum of exponentials, weighted value sum) to `partial`; attention_merge.wgsl folds
// the segments together with a log-sum-exp rescale. With few rows (decode) this keeps heads × rows ×
// segments workgroups busy where one workgroup per (head, row) would leave most of a GPU idle.
//
// Within a segment the arithmetic is attention.wgsl's (blocks of 64 keys aligned at position 0,
// same tree sum); with attention_merge.wgsl it is exactly attention_tiled.wgsl's per row.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,     // at most 4 * WG
  max_len: u32,
  scale: f32,
  segments: u32,     // segment capacity per (row, head) in `partial`
}

struct Step {
  rows: u32,
}

const WG: u32 = 64u;
const SEG: u32 = 256u;
const NEG_INF: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>;
// k_cache, v_cache at bindings 3 and 4 and their readers k_at / v_at come from the prepended
// kv_read/<format>.wgsl (f32, or f16 widened to f32).
// [rows, heads, segments, 2 + head_dim]: max, sum, accumulator.
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
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
  let seg = wid.z;
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
  let n_keys = workgroupUniformLoad(&key_count);
  let slot = workgroupUniformLoad(&slot_shared);
  let seg_start = seg * SEG;
  if (seg_start >= n_keys) {
    return;
  }
  let seg_end = min(n_keys, seg_start + SEG);

  var running_max = NEG_INF;
  var running_sum = 0.0;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  let stride = params.kv_heads * d_len;
  let slot_base = slot * params.max_len * stride + g * d_len;

  for (var block = seg_start; block < seg_end; block += WG) {
    let j = block + t;
    var score = NEG_INF;
    if (j < seg_end) {
      let k_base = slot_base + j * stride;
      var dot = 0.0;
      for (var d = 0u; d < d_len; d++) {
        dot += q_tile[d] * k_at(k_base + d);
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
    if (j < seg_end) {
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
    let in_block = min(WG, seg_end - block);
    for (var c = 0u; c < 4u; c++) {
      let d = t + c * WG;
      if (d < d_len) {
        var sum = acc[c] * correction;
        for (var jj = 0u; jj < in_block; jj++) {
          sum += probs[jj] * v_at(slot_base + (block + jj) * stride + d);
        }
        acc[c] = sum;
      }
    }
    workgroupBarrier();
  }
  let base = ((row * params.heads + h) * params.segments + seg) * (2u + d_len);
  if (t == 0u) {
    partial[base] = running_max;
    partial[base + 1u] = running_sum;
  }
  for (var c = 0u; c < 4u; c++) {
    let d = t + c * WG;
    if (d < d_len) {
      partial[base + 2u + d] = acc[c];
    }
  }
}
