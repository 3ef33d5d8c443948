// attention_rows.wgsl — causal grouped-query prefill attention for CPU adapters (lavapipe), in
// register blocks: each invocation attends R consecutive rows of one head, J keys at a time.
//
// Why blocks: lavapipe runs a workgroup as a loop over 8-wide SIMD lanes, and it loads storage
// (and indexes private arrays by a loop counter) one lane at a time — eight scalar loads with bounds
// checks — whatever the address: only addresses built from constants and uniform buffers get a
// single load (gallivm's first-active-invocation path needs them "always uniform"; a workgroup id or
// a loop counter is not). Every load is costly, so the kernel reuses each: per head-dimension step
// a key value serves R rows and a query value J keys (R·J multiply-adds for R + J loads, where one
// row per invocation gave J for J + 1), and in the value pass a value serves R rows. Measured on
// lavapipe (head_dim 128, 1k–2k tokens): 2.0–2.3× the one-row-per-invocation kernel it replaced,
// 3.2–4.5× the materialised-scores baseline (bench/attention.ts).
//
// Every row's arithmetic is the canonical one of attention_tiled.wgsl (and attention_split.wgsl +
// attention_merge.wgsl for decode): score dot products in d order from 0.0; keys in blocks of 64
// aligned at position 0, online softmax per block with the block sum in the same tree pairing;
// every SEG keys the segment's state merged into the row's total with the same log-sum-exp
// rescale. So which kernel runs a row never changes its result (test/engine/kernels/attention-tiled.test.ts).
//
// The loops run over the workgroup's keys (the most of any of its rows), the same bounds in every
// lane; each row counts only its own keys (`mine`), and a block past them leaves its state
// unchanged exactly (correction exp(0) = 1, nothing added), as in the other kernels, which skip
// such blocks. An invocation whose rows share a KV slot (a prefill) reads each key once for its R
// rows; one whose rows straddle sequences of a ragged batch reads per row.

const R: u32 = 4u;        // rows per invocation (8 measured slower, 2 slower still)
const J: u32 = 8u;        // keys per register group (16 measured no faster)
// Params, Step, the q / row_meta / result / step bindings, WG, BLOCK, SEG and workgroup_keys come
// from the prepended attention_cpu_io.wgsl; k_at / v_at from kv_read/<format>.wgsl; LANE_SHARE,
// subgroup_lane, subgroup_lanes, all_lanes and from_lane from lane_share/<none|subgroups>.wgsl.

var<private> q_s: array<array<f32, MAX_HD>, R>;    // q · scale, per row
var<private> acc: array<array<f32, MAX_HD>, R>;    // the segment's weighted value sums
var<private> total: array<array<f32, MAX_HD>, R>;  // merged segments
var<private> probs: array<array<f32, BLOCK>, R>;   // the block's scores, then probabilities
var<private> sums: array<f32, BLOCK>;              // one row's block sum tree

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let heads = params.heads;
  let h = wid.x;
  let first = wid.y * WG * R;
  let wg_keys = workgroup_keys(first, WG * R);
  let d_len = params.head_dim;
  let g = h / (heads / params.kv_heads);
  let stride = params.kv_heads * d_len;
  // Invocation t attends rows first + t·R … + R − 1; rows past the last still run the loops
  // (their bounds must stay uniform) with no keys.
  var n_keys: array<u32, R>;
  var base: array<u32, R>;
  var q_base: array<u32, R>;
  var live: array<bool, R>;
  for (var r = 0u; r < R; r++) {
    let row = first + t * R + r;
    live[r] = row < step.rows;
    let info = row_meta[min(row, step.rows - 1u)];
    n_keys[r] = select(0u, info.y + 1u, live[r]);
    base[r] = info.x * params.max_len * stride + g * d_len;
    q_base[r] = (min(row, step.rows - 1u) * heads + h) * d_len;
  }
  // All live rows in one KV slot: each key is read once for the R rows.
  var same = true;
  for (var r = 1u; r < R; r++) {
    same = same && (base[r] == base[0] || !live[r]);
  }
  let base0 = base[0];
  // With subgroups of J lanes whose rows all share one KV slot (a prefill), lane l loads key or
  // value j0 + l and the lanes take the J values from each other (lane_share/subgroups.wgsl): one
  // lane loop of loads per head-dimension step instead of J. Same values, same arithmetic.
  let lane = subgroup_lane();
  let lanes_share = LANE_SHARE && all_lanes(same) && all_lanes_equal(base0) && subgroup_lanes() == J;
  for (var r = 0u; r < R; r++) {
    for (var d = 0u; d < d_len; d++) {
      q_s[r][d] = q[q_base[r] + d] * params.scale;
      total[r][d] = 0.0;
    }
  }
  var total_max: array<f32, R>;
  var total_sum: array<f32, R>;
  for (var r = 0u; r < R; r++) {
    total_max[r] = NEG_INF;
    total_sum[r] = 0.0;
  }
  for (var start = 0u; start < wg_keys; start += SEG) {
    let end = min(wg_keys, start + SEG);
    var run_max: array<f32, R>;
    var run_sum: array<f32, R>;
    var mine_end: array<u32, R>;
    for (var r = 0u; r < R; r++) {
      run_max[r] = NEG_INF;
      run_sum[r] = 0.0;
      mine_end[r] = min(n_keys[r], start + SEG);
      for (var d = 0u; d < d_len; d++) {
        acc[r][d] = 0.0;
      }
    }
    for (var block = start; block < end; block += BLOCK) {
      let in_block = min(BLOCK, end - block);
      var mine: array<u32, R>;
      for (var r = 0u; r < R; r++) {
        mine[r] = select(0u, min(BLOCK, mine_end[r] - block), block < mine_end[r]);
      }
      // Scores, J keys × R rows at a time (keys past the block's end repeat its last key; their
      // probabilities are masked to 0 below).
      for (var j0 = 0u; j0 < in_block; j0 += J) {
        let last = in_block - 1u;
        var k_off: array<u32, J>;
        for (var i = 0u; i < J; i++) {
          k_off[i] = (block + min(j0 + i, last)) * stride;
        }
        var dots: array<array<f32, J>, R>;
        for (var r = 0u; r < R; r++) {
          for (var i = 0u; i < J; i++) {
            dots[r][i] = 0.0; // explicitly: lavapipe was seen not to re-zero a loop-body array per iteration
          }
        }
        if (lanes_share) {
          let k_lane = base0 + (block + min(j0 + lane, last)) * stride;
          for (var d = 0u; d < d_len; d++) {
            let mine_k = k_at(k_lane + d);
            var kv: array<f32, J>;
            for (var i = 0u; i < J; i++) {
              kv[i] = from_lane(mine_k, i);
            }
            for (var r = 0u; r < R; r++) {
              let qd = q_s[r][d];
              for (var i = 0u; i < J; i++) {
                dots[r][i] += qd * kv[i];
              }
            }
          }
        } else if (same) {
          for (var d = 0u; d < d_len; d++) {
            var kv: array<f32, J>;
            for (var i = 0u; i < J; i++) {
              kv[i] = k_at(base0 + k_off[i] + d);
            }
            for (var r = 0u; r < R; r++) {
              let qd = q_s[r][d];
              for (var i = 0u; i < J; i++) {
                dots[r][i] += qd * kv[i];
              }
            }
          }
        } else {
          for (var d = 0u; d < d_len; d++) {
            for (var r = 0u; r < R; r++) {
              let qd = q_s[r][d];
              for (var i = 0u; i < J; i++) {
                dots[r][i] += qd * k_at(base[r] + k_off[i] + d);
              }
            }
          }
        }
        for (var r = 0u; r < R; r++) {
          for (var i = 0u; i < J; i++) {
            probs[r][min(j0 + i, BLOCK - 1u)] = dots[r][i];
          }
        }
      }
      // Per row: the block maximum over its keys (max is exact in any order), the probabilities, the
      // block sum in the shared pairing (element k += element k + s, s = 32 … 1), the rescale.
      var correction: array<f32, R>;
      for (var r = 0u; r < R; r++) {
        var block_max = NEG_INF;
        for (var jj = 0u; jj < in_block; jj++) {
          block_max = max(block_max, select(NEG_INF, probs[r][jj], jj < mine[r]));
        }
        let new_max = max(run_max[r], block_max);
        for (var jj = 0u; jj < BLOCK; jj++) {
          let p = select(0.0, exp(probs[r][jj] - new_max), jj < mine[r]);
          probs[r][jj] = p;
          sums[jj] = p;
        }
        for (var s = BLOCK / 2u; s > 0u; s >>= 1u) {
          for (var k = 0u; k < s; k++) {
            sums[k] += sums[k + s];
          }
        }
        correction[r] = exp(run_max[r] - new_max);
        run_sum[r] = run_sum[r] * correction[r] + sums[0];
        run_max[r] = new_max;
        for (var d = 0u; d < d_len; d++) {
          acc[r][d] = acc[r][d] * correction[r];
        }
      }
      // acc += Σ_j p_j v_j over each row's keys in order, J keys at a time: their probabilities sit
      // in registers for a pass over the head dimension, and each value read serves the R rows.
      for (var j0 = 0u; j0 < in_block; j0 += J) {
        var pk: array<array<f32, J>, R>;
        for (var r = 0u; r < R; r++) {
          for (var i = 0u; i < J; i++) {
            pk[r][i] = select(0.0, probs[r][min(j0 + i, BLOCK - 1u)], j0 + i < mine[r]);
          }
        }
        let v_off = (block + j0) * stride;
        let last = in_block - 1u - j0;
        if (lanes_share) {
          let v_lane = base0 + v_off + min(lane, last) * stride;
          for (var d = 0u; d < d_len; d++) {
            let mine_v = v_at(v_lane + d);
            var vv: array<f32, J>;
            for (var i = 0u; i < J; i++) {
              vv[i] = from_lane(mine_v, i);
            }
            for (var r = 0u; r < R; r++) {
              var sum = acc[r][d];
              for (var i = 0u; i < J; i++) {
                sum = select(sum, sum + pk[r][i] * vv[i], j0 + i < mine[r]);
              }
              acc[r][d] = sum;
            }
          }
        } else if (same) {
          for (var d = 0u; d < d_len; d++) {
            var vv: array<f32, J>;
            for (var i = 0u; i < J; i++) {
              vv[i] = v_at(base0 + v_off + min(i, last) * stride + d);
            }
            for (var r = 0u; r < R; r++) {
              var sum = acc[r][d];
              for (var i = 0u; i < J; i++) {
                sum = select(sum, sum + pk[r][i] * vv[i], j0 + i < mine[r]);
              }
              acc[r][d] = sum;
            }
          }
        } else {
          for (var d = 0u; d < d_len; d++) {
            for (var r = 0u; r < R; r++) {
              var sum = acc[r][d];
              for (var i = 0u; i < J; i++) {
                sum = select(sum, sum + pk[r][i] * v_at(base[r] + v_off + min(i, last) * stride + d), j0 + i < mine[r]);
              }
              acc[r][d] = sum;
            }
          }
        }
      }
    }
    // The segment's state merged into each row's total.
    for (var r = 0u; r < R; r++) {
      if (start < n_keys[r]) {
        let new_max = max(total_max[r], run_max[r]);
        let a = exp(total_max[r] - new_max);
        let b = exp(run_max[r] - new_max);
        total_sum[r] = total_sum[r] * a + run_sum[r] * b;
        total_max[r] = new_max;
        for (var d = 0u; d < d_len; d++) {
          total[r][d] = total[r][d] * a + acc[r][d] * b;
        }
      }
    }
  }
  for (var r = 0u; r < R; r++) {
    if (live[r]) {
      for (var d = 0u; d < d_len; d++) {
        result[q_base[r] + d] = total[r][d] / total_sum[r];
      }
    }
  }
}
