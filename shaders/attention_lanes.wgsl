// attention_lanes.wgsl — split-K decode attention for CPU adapters (lavapipe): one invocation per
// (row, KV group, segment of SEG keys), attending the GROUP query heads that share the group's keys
// and values, with its scores and accumulators in private memory. Lavapipe loads storage one lane at a time (see
// attention_rows.wgsl), so each key and value read serves all GROUP heads. It writes
// attention_split.wgsl's partial state (max, sum, weighted value sum), which attention_merge.wgsl
// folds together. A CPU runs a workgroup as a loop over SIMD lanes, so the workgroup-memory tiles and barriers of attention_split.wgsl cost
// more than they save there. On lavapipe an array indexed by a value the compiler cannot fold is
// read and written lane by lane, so the inner loops work on eight keys at a time held in
// constant-indexed arrays (registers). Prefill on CPU adapters runs attention_rows.wgsl.
//
// Every row's arithmetic is the canonical one of attention_tiled.wgsl and attention_split.wgsl +
// attention_merge.wgsl: score dot products in d order from 0.0; keys in blocks of 64 aligned at
// position 0, online softmax per block with the block sum in the same tree pairing; every SEG keys
// the segment's state merged into the row's total with the same log-sum-exp rescale. So which of
// these kernels runs a row never changes its result.
//
// Params, Step, the q / row_meta / result / step bindings, WG, BLOCK and SEG come from the
// prepended attention_cpu_io.wgsl; k_at / v_at from kv_read/<format>.wgsl.

override GROUP: u32 = 1u;   // query heads per KV group (heads / kv_heads), at most MAX_GROUP
const MAX_GROUP: u32 = 8u;
const J: u32 = 8u;           // keys per register group

var<private> q_row: array<array<f32, MAX_HD>, MAX_GROUP>;   // q · scale, per head of the group
var<private> acc: array<array<f32, MAX_HD>, MAX_GROUP>;     // the segment's weighted value sums
var<private> probs: array<array<f32, BLOCK>, MAX_GROUP>;
var<private> sums: array<f32, BLOCK>;
var<private> run_max: array<f32, MAX_GROUP>;
var<private> run_sum: array<f32, MAX_GROUP>;

// One segment of the row's keys, [start, end), into acc, run_max and run_sum for each head of the
// group; keys from `mine_end` on are masked out (a block past them would leave the state unchanged
// exactly: correction exp(0) = 1, nothing added, as in the other kernels, which skip such blocks).
fn attend_segment(start: u32, end: u32, mine_end: u32, slot_base: u32, stride: u32, d_len: u32) {
  for (var gg = 0u; gg < GROUP; gg++) {
    run_max[gg] = NEG_INF;
    run_sum[gg] = 0.0;
    for (var d = 0u; d < d_len; d++) {
      acc[gg][d] = 0.0;
    }
  }
  for (var block = start; block < end; block += BLOCK) {
    let in_block = min(BLOCK, end - block);
    let mine = select(0u, min(BLOCK, mine_end - block), block < mine_end);
    // Scores, J keys at a time for every head: J · GROUP independent d-order dot products share each
    // key load (keys past the block's end repeat its last key and are masked below).
    for (var j0 = 0u; j0 < in_block; j0 += J) {
      let last = in_block - 1u;
      var k_base: array<u32, J>;
      for (var i = 0u; i < J; i++) {
        k_base[i] = slot_base + (block + min(j0 + i, last)) * stride;
      }
      var dots: array<array<f32, J>, MAX_GROUP>;
      for (var gg = 0u; gg < GROUP; gg++) {
        for (var i = 0u; i < J; i++) {
          dots[gg][i] = 0.0; // explicitly: lavapipe was seen not to re-zero a loop-body array per iteration
        }
      }
      for (var d = 0u; d < d_len; d++) {
        var kv: array<f32, J>;
        for (var i = 0u; i < J; i++) {
          kv[i] = k_at(k_base[i] + d);
        }
        for (var gg = 0u; gg < GROUP; gg++) {
          let qd = q_row[gg][d];
          for (var i = 0u; i < J; i++) {
            dots[gg][i] += qd * kv[i];
          }
        }
      }
      for (var gg = 0u; gg < GROUP; gg++) {
        for (var i = 0u; i < J; i++) {
          probs[gg][min(j0 + i, BLOCK - 1u)] = dots[gg][i];
        }
      }
    }
    // Per head: the block maximum over the lane's keys (max is exact in any order), the
    // probabilities, the block sum in the shared pairing (element k += element k + s, s = 32 … 1),
    // the rescale of acc.
    for (var gg = 0u; gg < GROUP; gg++) {
      var block_max = NEG_INF;
      for (var jj = 0u; jj < in_block; jj++) {
        block_max = max(block_max, select(NEG_INF, probs[gg][jj], jj < mine));
      }
      let new_max = max(run_max[gg], block_max);
      for (var jj = 0u; jj < BLOCK; jj++) {
        let p = select(0.0, exp(probs[gg][jj] - new_max), jj < mine);
        probs[gg][jj] = p;
        sums[jj] = p;
      }
      for (var s = BLOCK / 2u; s > 0u; s >>= 1u) {
        for (var k = 0u; k < s; k++) {
          sums[k] += sums[k + s];
        }
      }
      let correction = exp(run_max[gg] - new_max);
      run_sum[gg] = run_sum[gg] * correction + sums[0];
      run_max[gg] = new_max;
      for (var d = 0u; d < d_len; d++) {
        acc[gg][d] = acc[gg][d] * correction;
      }
    }
    // acc = acc · correction + Σ_j p_j v_j over the lane's keys in order, for each element (the
    // other kernels' operations), J keys at a time: their probabilities sit in registers for a pass
    // over the head dimension, and each value read serves every head of the group.
    for (var j0 = 0u; j0 < in_block; j0 += J) {
      var pk: array<array<f32, J>, MAX_GROUP>;
      for (var gg = 0u; gg < GROUP; gg++) {
        for (var i = 0u; i < J; i++) {
          pk[gg][i] = select(0.0, probs[gg][min(j0 + i, BLOCK - 1u)], j0 + i < mine);
        }
      }
      let v_base = slot_base + (block + j0) * stride;
      let last = in_block - 1u - j0;
      for (var d = 0u; d < d_len; d++) {
        var vv: array<f32, J>;
        for (var i = 0u; i < J; i++) {
          vv[i] = v_at(v_base + min(i, last) * stride + d);
        }
        for (var gg = 0u; gg < GROUP; gg++) {
          var sum = acc[gg][d];
          for (var i = 0u; i < J; i++) {
            sum = select(sum, sum + pk[gg][i] * vv[i], j0 + i < mine);
          }
          acc[gg][d] = sum;
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let heads = params.heads;
  let kv_heads = params.kv_heads;
  let segments = params.segments;
  // Invocation gid.x attends (row, segment, KV group), groups fastest: neighbouring lanes read
  // neighbouring parts of each cached position (with 8 groups at 2k keys, 4.0–6.4 ms against 12 ms
  // for segments fastest), and a model with few groups still fills the lanes with segments.
  let g = gid.x % kv_heads;
  let seg = (gid.x / kv_heads) % segments;
  let row = gid.x / (segments * kv_heads);
  if (row >= step.rows) {
    return;
  }
  let info = row_meta[row];
  let start = seg * SEG;
  let n_keys = info.y + 1u;
  if (start >= n_keys) {
    return;
  }
  let d_len = params.head_dim;
  let stride = kv_heads * d_len;
  for (var gg = 0u; gg < GROUP; gg++) {
    let q_base = (row * heads + g * GROUP + gg) * d_len;
    for (var d = 0u; d < d_len; d++) {
      q_row[gg][d] = q[q_base + d] * params.scale;
    }
  }
  let end = min(n_keys, start + SEG);
  attend_segment(start, end, end, info.x * params.max_len * stride + g * d_len, stride, d_len);
  for (var gg = 0u; gg < GROUP; gg++) {
    let base = ((row * heads + g * GROUP + gg) * segments + seg) * (2u + d_len);
    result[base] = run_max[gg];
    result[base + 1u] = run_sum[gg];
    for (var d = 0u; d < d_len; d++) {
      result[base + 2u + d] = acc[gg][d];
    }
  }
}
