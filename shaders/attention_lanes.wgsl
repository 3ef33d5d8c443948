// attention_lanes.wgsl — split-K decode attention for CPU adapters (lavapipe): one invocation per
// (row, head), the lanes of a workgroup being the heads of a row, each walking one segment (wid.z,
// SEG keys) of its row's keys alone, with its scores and accumulators in private memory. It writes
// attention_split.wgsl's partial state (max, sum, weighted value sum), which attention_merge.wgsl
// folds together; this spreads a long cache over heads × rows × segments. A CPU runs a workgroup as
// a loop over SIMD lanes, so the workgroup-memory tiles and barriers of attention_split.wgsl cost
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
// Params, Step, the q / row_meta / result / step bindings, WG, BLOCK, SEG and workgroup_keys come
// from the prepended attention_cpu_io.wgsl; k_at / v_at from kv_read/<format>.wgsl.

var<private> q_row: array<f32, MAX_HD>;   // q · scale
var<private> acc: array<f32, MAX_HD>;     // the segment's weighted value sum
var<private> probs: array<f32, BLOCK>;
var<private> sums: array<f32, BLOCK>;

// One segment of the row's keys into acc; returns (max, sum of exponentials). The loops run over
// the workgroup's keys [start, end) (the same bounds in every lane) and each lane counts only its
// own keys, below `mine_end`. A block past a lane's keys leaves its state unchanged exactly
// (correction exp(0) = 1, nothing added), as in the other kernels, which skip such blocks.
fn attend_segment(start: u32, end: u32, mine_end: u32, slot_base: u32, stride: u32, d_len: u32) -> vec2f {
  var run_max = NEG_INF;
  var run_sum = 0.0;
  for (var d = 0u; d < d_len; d++) {
    acc[d] = 0.0;
  }
  for (var block = start; block < end; block += BLOCK) {
    let in_block = min(BLOCK, end - block);
    let mine = select(0u, min(BLOCK, mine_end - block), block < mine_end);
    // Scores, eight keys at a time: eight independent d-order dot products share each q load (keys
    // past the block's end repeat its last key and are overwritten below).
    for (var j0 = 0u; j0 < in_block; j0 += 8u) {
      let last = in_block - 1u;
      var k_base: array<u32, 8>;
      for (var i = 0u; i < 8u; i++) {
        k_base[i] = slot_base + (block + min(j0 + i, last)) * stride;
      }
      var dots: array<f32, 8>;
      for (var i = 0u; i < 8u; i++) {
        dots[i] = 0.0; // explicitly: lavapipe was seen not to re-zero a loop-body array per iteration
      }
      for (var d = 0u; d < d_len; d++) {
        let qd = q_row[d];
        for (var i = 0u; i < 8u; i++) {
          dots[i] += qd * k_at(k_base[i] + d);
        }
      }
      for (var i = 0u; i < 8u; i++) {
        probs[j0 + i] = dots[i];
      }
    }
    // The block maximum over the lane's keys (max is exact in any order).
    var block_max = NEG_INF;
    for (var jj = 0u; jj < in_block; jj++) {
      block_max = max(block_max, select(NEG_INF, probs[jj], jj < mine));
    }
    let new_max = max(run_max, block_max);
    for (var jj = 0u; jj < BLOCK; jj++) {
      let p = select(0.0, exp(probs[jj] - new_max), jj < mine);
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
    // acc = acc · correction + Σ_j p_j v_j over the lane's keys in order, for each element (the
    // other kernels' operations), eight keys at a time: their probabilities sit in registers for
    // a pass over the head dimension.
    for (var d = 0u; d < d_len; d++) {
      acc[d] = acc[d] * correction;
    }
    for (var j0 = 0u; j0 < in_block; j0 += 8u) {
      var pk: array<f32, 8>;
      for (var i = 0u; i < 8u; i++) {
        pk[i] = select(0.0, probs[min(j0 + i, BLOCK - 1u)], j0 + i < mine);
      }
      let v_base = slot_base + (block + j0) * stride;
      let last = in_block - 1u - j0;
      for (var d = 0u; d < d_len; d++) {
        var sum = acc[d];
        for (var i = 0u; i < 8u; i++) {
          sum = select(sum, sum + pk[i] * v_at(v_base + min(i, last) * stride + d), j0 + i < mine);
        }
        acc[d] = sum;
      }
    }
  }
  return vec2f(run_max, run_sum);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let heads = params.heads;
  // Lanes are the heads of a row, so one row fills them.
  let row = (wid.x * WG + t) / heads;
  let h = (wid.x * WG + t) % heads;
  let wg_keys = workgroup_keys(wid.x * WG / heads, (WG + heads - 1u) / heads + 1u);
  // Lanes past the last row still run the loops (their bounds must stay uniform) with no keys.
  let live = row < step.rows;
  let info = row_meta[min(row, step.rows - 1u)];
  let n_keys = select(0u, info.y + 1u, live);
  let d_len = params.head_dim;
  let g = h / (heads / params.kv_heads);
  let stride = params.kv_heads * d_len;
  let q_base = (min(row, step.rows - 1u) * heads + h) * d_len;
  for (var d = 0u; d < d_len; d++) {
    q_row[d] = q[q_base + d] * params.scale;
  }
  let start = wid.z * SEG;
  if (start >= wg_keys) {
    return;
  }
  let state = attend_segment(start, min(wg_keys, start + SEG), min(n_keys, start + SEG), info.x * params.max_len * stride + g * d_len, stride, d_len);
  if (start < n_keys) {
    let base = ((row * heads + h) * params.segments + wid.z) * (2u + d_len);
    result[base] = state.x;
    result[base + 1u] = state.y;
    for (var d = 0u; d < d_len; d++) {
      result[base + 2u + d] = acc[d];
    }
  }
}
