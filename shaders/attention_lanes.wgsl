// attention_lanes.wgsl — causal grouped-query attention with one invocation per (row, head), for
// CPU adapters (lavapipe): a CPU runs a workgroup as a loop over SIMD lanes, so the workgroup-memory
// tiles and barriers of attention_tiled.wgsl / attention_split.wgsl cost more than they save there.
// Here each invocation walks its keys alone, with its scores and accumulators in private memory
// (the CPU's L1 cache); neighbouring invocations are neighbouring heads of one row, so they share
// control flow and read the same cache rows. No barriers, no workgroup memory.
//
// Two modes (pipeline constant SPLIT):
// - false (prefill): all keys of the row, written to `result` as the attention output;
// - true (decode): only segment wid.z (SEG keys), written to `result` as attention_split.wgsl's
//   partial state (max, sum, weighted value sum), which attention_merge.wgsl folds together; this
//   spreads a long cache over heads × rows × segments invocations.
//
// Every row's arithmetic is the canonical one of attention_tiled.wgsl and attention_split.wgsl +
// attention_merge.wgsl: score dot products in d order from 0.0; keys in blocks of 64 aligned at
// position 0, online softmax per block with the block sum in the same tree pairing; every SEG keys
// the segment's state merged into the row's total with the same log-sum-exp rescale. So which of
// these kernels runs a row never changes its result.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,   // at most MAX_HD
  max_len: u32,
  scale: f32,      // 1 / sqrt(head_dim)
  segments: u32,   // segment capacity per (row, head) of the partial state (SPLIT)
}

struct Step {
  rows: u32,
}

override SPLIT: bool = false;
const WG: u32 = 8u;       // one SIMD group of lavapipe's 256-bit vectors
const BLOCK: u32 = 64u;
const SEG: u32 = 256u;
const MAX_HD: u32 = 256u;
const NEG_INF: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;          // [rows, heads, head_dim]
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>; // (slot, position)
// k_cache, v_cache at bindings 3 and 4 and their readers k_at / v_at come from the prepended
// kv_read/<format>.wgsl (f32, or f16 widened to f32).
// SPLIT false: [rows, heads * head_dim] output; true: [rows, heads, segments, 2 + head_dim] state.
@group(0) @binding(5) var<storage, read_write> result: array<f32>;
@group(0) @binding(6) var<uniform> step: Step;

var<private> q_row: array<f32, MAX_HD>;   // q · scale
var<private> acc: array<f32, MAX_HD>;     // the segment's weighted value sum
var<private> total: array<f32, MAX_HD>;   // merged segments (prefill)
var<private> probs: array<f32, BLOCK>;
var<private> sums: array<f32, BLOCK>;

// Keys [start, end) of one segment into acc; returns (max, sum of exponentials).
fn attend_segment(start: u32, end: u32, slot_base: u32, stride: u32, d_len: u32) -> vec2f {
  var run_max = NEG_INF;
  var run_sum = 0.0;
  for (var d = 0u; d < d_len; d++) {
    acc[d] = 0.0;
  }
  for (var block = start; block < end; block += BLOCK) {
    let in_block = min(BLOCK, end - block);
    // Scores; the block maximum (max is exact in any order).
    var block_max = NEG_INF;
    for (var jj = 0u; jj < in_block; jj++) {
      let k_base = slot_base + (block + jj) * stride;
      var dot = 0.0;
      for (var d = 0u; d < d_len; d++) {
        dot += q_row[d] * k_at(k_base + d);
      }
      probs[jj] = dot;
      block_max = max(block_max, dot);
    }
    let new_max = max(run_max, block_max);
    for (var jj = 0u; jj < BLOCK; jj++) {
      var p = 0.0;
      if (jj < in_block) {
        p = exp(probs[jj] - new_max);
      }
      probs[jj] = p;
      sums[jj] = p;
    }
    // The block sum in the shared pairing: element k += element k + s, s = 32 … 1.
    for (var s = BLOCK / 2u; s > 0u; s >>= 1u) {
      for (var k = 0u; k < s; k++) {
        sums[k] += sums[k + s];
      }
    }
    let correction = exp(run_max - new_max);
    run_sum = run_sum * correction + sums[0];
    run_max = new_max;
    // acc = acc · correction + Σ_j p_j v_j in key order (per element, the order of the other kernels;
    // keys outer so each value row is read contiguously).
    for (var d = 0u; d < d_len; d++) {
      acc[d] = acc[d] * correction;
    }
    for (var jj = 0u; jj < in_block; jj++) {
      let p = probs[jj];
      let v_base = slot_base + (block + jj) * stride;
      for (var d = 0u; d < d_len; d++) {
        acc[d] += p * v_at(v_base + d);
      }
    }
  }
  return vec2f(run_max, run_sum);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let heads = params.heads;
  let row = gid.x / heads;
  let h = gid.x % heads;
  if (row >= step.rows) {
    return;
  }
  let d_len = params.head_dim;
  let info = row_meta[row];
  let n_keys = info.y + 1u;
  let g = h / (heads / params.kv_heads);
  let stride = params.kv_heads * d_len;
  let slot_base = info.x * params.max_len * stride + g * d_len;
  let q_base = (row * heads + h) * d_len;
  for (var d = 0u; d < d_len; d++) {
    q_row[d] = q[q_base + d] * params.scale;
  }

  if (SPLIT) {
    let seg = gid.z;
    let start = seg * SEG;
    if (start >= n_keys) {
      return;
    }
    let state = attend_segment(start, min(n_keys, start + SEG), slot_base, stride, d_len);
    let base = ((row * heads + h) * params.segments + seg) * (2u + d_len);
    result[base] = state.x;
    result[base + 1u] = state.y;
    for (var d = 0u; d < d_len; d++) {
      result[base + 2u + d] = acc[d];
    }
    return;
  }

  var total_max = NEG_INF;
  var total_sum = 0.0;
  for (var d = 0u; d < d_len; d++) {
    total[d] = 0.0;
  }
  for (var start = 0u; start < n_keys; start += SEG) {
    let state = attend_segment(start, min(n_keys, start + SEG), slot_base, stride, d_len);
    let new_max = max(total_max, state.x);
    let a = exp(total_max - new_max);
    let b = exp(state.x - new_max);
    total_sum = total_sum * a + state.y * b;
    total_max = new_max;
    for (var d = 0u; d < d_len; d++) {
      total[d] = total[d] * a + acc[d] * b;
    }
  }
  for (var d = 0u; d < d_len; d++) {
    result[q_base + d] = total[d] / total_sum;
  }
}
