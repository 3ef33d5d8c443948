// attention_tiled.wgsl — causal grouped-query attention for prefill, flash style: one workgroup per
// (head, tile of BQ rows). Keys and values are staged through workgroup memory KT at a time and
// shared by every row of the tile that reads the same cache slot, so K/V traffic drops BQ-fold
// against one workgroup per row; no score matrix is ever materialised (memory O(BQ · head_dim) per
// workgroup at any context length).
//
// Every row's arithmetic is the canonical one shared with attention_split.wgsl + attention_merge.wgsl
// (decode) and, below SEG keys, with attention.wgsl: keys in blocks of 64 aligned at position 0,
// online softmax per block (tree sum in the same pairing), and every SEG keys the segment's
// (max, sum, accumulator) merged into the row's total with a log-sum-exp rescale. A row's result
// therefore depends neither on the other rows of its tile nor on which of these kernels ran it.
//
// Rows of a tile may belong to different cache slots (ragged batches): the tile makes one pass per
// distinct slot, the rows of other slots idle during it.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,   // at most HD
  max_len: u32,
  scale: f32,      // 1 / sqrt(head_dim)
}

struct Step {
  rows: u32,
}

// Tile sizes are pipeline constants so the host can fit them to the adapter's workgroup memory
// (see engine/attention-plan.ts): 4 · (BQ · HD · 3 + KT · HD + 2 · BQ · 64) bytes plus a little.
override HD: u32 = 128u;   // head_dim rounded up (sizes workgroup arrays)
override KT: u32 = 16u;    // keys staged per sub-tile (divides 64; fewer sub-tiles, fewer barriers)
override BQ: u32 = 8u;     // query rows per workgroup
const WG: u32 = 64u;
const BLOCK: u32 = 64u;
const SEG: u32 = 256u;
const NEG_INF: f32 = -3.0e38;
const NO_SLOT: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;          // [rows, heads, head_dim]
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>; // (slot, position)
// k_cache, v_cache at bindings 3 and 4 and their readers k_at / v_at come from the prepended
// kv_read/<format>.wgsl (f32, or f16 widened to f32).
@group(0) @binding(5) var<storage, read_write> out: array<f32>;  // [rows, heads * head_dim]
@group(0) @binding(6) var<uniform> step: Step;

var<workgroup> q_tile: array<f32, BQ * HD>;
var<workgroup> kv_tile: array<f32, KT * HD>;
// Per-row accumulators live in workgroup memory, not registers: a register array indexed by a
// runtime row makes compilers spill it anyway (and unrolling it made lavapipe compile for ~30 s).
var<workgroup> acc: array<f32, BQ * HD>;     // current segment's weighted value sum
var<workgroup> total: array<f32, BQ * HD>;   // merged segments
var<workgroup> probs: array<f32, BQ * BLOCK>;
var<workgroup> reduce: array<f32, BQ * BLOCK>;
var<workgroup> row_slot: array<u32, BQ>;
var<workgroup> row_keys: array<u32, BQ>;     // keys the row attends to: position + 1; 0 when idle
var<workgroup> run_max: array<f32, BQ>;
var<workgroup> run_sum: array<f32, BQ>;
var<workgroup> total_max: array<f32, BQ>;
var<workgroup> total_sum: array<f32, BQ>;
var<workgroup> factor_a: array<f32, BQ>;      // per-row rescale of the old state (correction / merge)
var<workgroup> factor_b: array<f32, BQ>;      // per-row weight of the finished segment (merge)
var<workgroup> merging: array<u32, BQ>;       // 1 when the row's segment ends with this block
var<workgroup> pass_slot: u32;
var<workgroup> pass_keys: u32;
var<workgroup> row_on: array<u32, BQ>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  let row0 = wid.y * BQ;
  let d_len = params.head_dim;
  let g = h / (params.heads / params.kv_heads);
  let stride = params.kv_heads * d_len;
  if (t < BQ) {
    let row = row0 + t;
    if (row < step.rows) {
      let info = row_meta[row];
      row_slot[t] = info.x;
      row_keys[t] = info.y + 1u;
    } else {
      row_slot[t] = NO_SLOT;
      row_keys[t] = 0u;
    }
    run_max[t] = NEG_INF;
    run_sum[t] = 0.0;
    total_max[t] = NEG_INF;
    total_sum[t] = 0.0;
  }
  for (var i = t; i < BQ * d_len; i += WG) {
    let r = i / d_len;
    let d = i % d_len;
    var value = 0.0;
    if (row0 + r < step.rows) {
      value = q[((row0 + r) * params.heads + h) * d_len + d] * params.scale;
    }
    q_tile[r * HD + d] = value;
  }
  for (var i = t; i < BQ * HD; i += WG) {
    acc[i] = 0.0;
    total[i] = 0.0;
  }
  workgroupBarrier();

  // One pass per distinct slot among the tile's rows, lowest slot first.
  var done_below = 0u; // slots < done_below are finished (as slot + 1, so 0 means none)
  loop {
    if (t == 0u) {
      var slot = NO_SLOT;
      for (var r = 0u; r < BQ; r++) {
        let s = row_slot[r];
        if (s != NO_SLOT && s + 1u > done_below && s < slot) {
          slot = s;
        }
      }
      var keys = 0u;
      for (var r = 0u; r < BQ; r++) {
        let on = row_slot[r] == slot && slot != NO_SLOT;
        row_on[r] = select(0u, 1u, on);
        if (on) {
          keys = max(keys, row_keys[r]);
        }
      }
      pass_slot = slot;
      pass_keys = keys;
    }
    let slot = workgroupUniformLoad(&pass_slot);
    if (slot == NO_SLOT) {
      break;
    }
    let n_max = workgroupUniformLoad(&pass_keys);
    let slot_base = slot * params.max_len * stride + g * d_len;

    for (var block = 0u; block < n_max; block += BLOCK) {
      // Scores of this block for every row_on row, KT keys at a time.
      for (var sub = 0u; sub < BLOCK; sub += KT) {
        // Keys go in transposed ([d][key]): invocations scoring neighbouring keys then read
        // neighbouring words (vector loads on SIMD CPUs, no bank conflicts on GPUs).
        for (var i = t; i < KT * d_len; i += WG) {
          let jj = i / d_len;
          let d = i % d_len;
          let j = block + sub + jj;
          var value = 0.0;
          if (j < n_max) {
            value = k_at(slot_base + j * stride + d);
          }
          kv_tile[d * KT + jj] = value;
        }
        workgroupBarrier();
        for (var i = t; i < BQ * KT; i += WG) {
          let r = i / KT;
          let jj = i % KT;
          let j = block + sub + jj;
          var score = NEG_INF;
          if (row_on[r] != 0u && j < row_keys[r]) {
            var dot = 0.0;
            for (var d = 0u; d < d_len; d++) {
              dot += q_tile[r * HD + d] * kv_tile[d * KT + jj];
            }
            score = dot;
          }
          probs[r * BLOCK + sub + jj] = score;
          reduce[r * BLOCK + sub + jj] = score;
        }
        workgroupBarrier();
      }
      // Block maximum per row (max is exact: any order gives attention.wgsl's value). One
      // invocation per row walks the tree: same pairs as attention.wgsl, without a barrier per level.
      if (t < BQ) {
        let base = t * BLOCK;
        for (var s = BLOCK / 2u; s > 0u; s >>= 1u) {
          for (var k = 0u; k < s; k++) {
            reduce[base + k] = max(reduce[base + k], reduce[base + k + s]);
          }
        }
        factor_b[t] = max(run_max[t], reduce[base]); // the new running max
      }
      workgroupBarrier();
      for (var i = t; i < BQ * BLOCK; i += WG) {
        let r = i / BLOCK;
        let j = block + i % BLOCK;
        var p = 0.0;
        if (row_on[r] != 0u && j < row_keys[r]) {
          p = exp(probs[i] - factor_b[r]);
        }
        probs[i] = p;
        reduce[i] = p;
      }
      workgroupBarrier();
      // Block sum per row in attention.wgsl's pairing (element k += element k + s, s = 32 … 1),
      // walked by one invocation per row: the same additions on the same operands.
      if (t < BQ) {
        let base = t * BLOCK;
        for (var s = BLOCK / 2u; s > 0u; s >>= 1u) {
          for (var k = 0u; k < s; k++) {
            reduce[base + k] += reduce[base + k + s];
          }
        }
        if (row_on[t] != 0u && block < row_keys[t]) {
          let new_max = factor_b[t];
          let correction = exp(run_max[t] - new_max);
          run_sum[t] = run_sum[t] * correction + reduce[base];
          run_max[t] = new_max;
          factor_a[t] = correction;
        }
      }
      workgroupBarrier();
      // acc = acc * correction + Σ_j p_j v_j, j in key order.
      for (var sub = 0u; sub < BLOCK; sub += KT) {
        for (var i = t; i < KT * d_len; i += WG) {
          let jj = i / d_len;
          let d = i % d_len;
          let j = block + sub + jj;
          var value = 0.0;
          if (j < n_max) {
            value = v_at(slot_base + j * stride + d);
          }
          kv_tile[jj * HD + d] = value;
        }
        workgroupBarrier();
        for (var i = t; i < BQ * d_len; i += WG) {
          let r = i / d_len;
          let d = i % d_len;
          if (row_on[r] != 0u && block < row_keys[r]) {
            var sum = acc[r * HD + d];
            if (sub == 0u) {
              sum = sum * factor_a[r];
            }
            let valid = row_keys[r] - block;
            for (var jj = 0u; jj < KT && sub + jj < valid; jj++) {
              sum += probs[r * BLOCK + sub + jj] * kv_tile[jj * HD + d];
            }
            acc[r * HD + d] = sum;
          }
        }
        workgroupBarrier();
      }
      // At a segment's end (or the row's last key) fold the segment into the row's total.
      if (t < BQ) {
        merging[t] = 0u;
        let keys = row_keys[t];
        if (row_on[t] != 0u && block < keys && ((block + BLOCK) % SEG == 0u || block + BLOCK >= keys)) {
          let m = run_max[t];
          let new_max = max(total_max[t], m);
          let a = exp(total_max[t] - new_max);
          let b = exp(m - new_max);
          total_sum[t] = total_sum[t] * a + run_sum[t] * b;
          total_max[t] = new_max;
          run_max[t] = NEG_INF;
          run_sum[t] = 0.0;
          factor_a[t] = a;
          factor_b[t] = b;
          merging[t] = 1u;
        }
      }
      workgroupBarrier();
      for (var i = t; i < BQ * d_len; i += WG) {
        let r = i / d_len;
        let e = r * HD + i % d_len;
        if (merging[r] != 0u) {
          total[e] = total[e] * factor_a[r] + acc[e] * factor_b[r];
          acc[e] = 0.0;
        }
      }
      workgroupBarrier();
    }
    for (var i = t; i < BQ * d_len; i += WG) {
      let r = i / d_len;
      let d = i % d_len;
      if (row_on[r] != 0u) {
        out[(row0 + r) * params.heads * d_len + h * d_len + d] = total[r * HD + d] / total_sum[r];
      }
    }
    done_below = slot + 1u;
    workgroupBarrier();
  }
}
