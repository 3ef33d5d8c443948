// matmul_blocked_shuffle.wgsl — matmul_blocked.wgsl for CPU adapters with subgroups (lavapipe):
// y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k], W in the "kn" layout, each invocation a register
// block of BR rows × 4·BC columns (matmul_blocks/<BR>x<BC>.wgsl), W read eight values at a time
// (weights_by8/<format>.wgsl).
//
// Why it is faster there: lavapipe runs a subgroup as one SIMD instruction stream over its lanes and
// turns every storage load whose address is not provably uniform into a loop over the lanes (about
// a dozen instructions per lane and value, measured in its generated code). matmul_blocked.wgsl has
// every lane load the same BR x values each k; here lane l loads x[m, kb + l] for the subgroup's
// next subgroup_size values of k and the lanes take them from each other with subgroupShuffle, one
// SIMD permute each: BR x values per k cost BR/subgroup_size lane loops instead of BR. The larger
// register block this pays for reads each W value for 16 rows instead of 8.
//
// Each output accumulates in the chunked k order of matmul_io.wgsl (`part + x * w` in k order within
// a chunk, chunks added in order), exactly like every other matmul kernel: batch invariance holds.
// Needs: n a multiple of 8 and at least 4·BC, BC even (engine/model/matmul-plan.ts checks). Every
// invocation of a workgroup runs every loop to the end (the subgroup operations need uniform control
// flow); invocations past the columns repeat the last block and store nothing.
enable subgroups;

// A workgroup covers 4 · BC · WG output columns × BR rows; engine/model/matmul-plan.ts shrinks WG
// for narrow W (cpuWorkgroupSize) so that a few rows still spread over lavapipe's threads.
override WG: u32 = 64u;

alias Block = array<array<vec4f, BC>, BR>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) lanes: u32) {
  let n0 = (wid.x * WG + t) * 4u * BC;
  let m0 = wid.y * BR;
  let rows = step.rows;
  let n_len = params.n;
  let k_len = params.k;
  // The columns this invocation reads: its own block (n is a multiple of 8, so a block that starts
  // inside W ends inside it), or for an invocation past the columns the last block, so that its
  // loads stay inside W while it keeps its lanes' share of x flowing; it stores nothing.
  let nc = min(n0, n_len - 4u * BC);
  // Rows past the last repeat the last row (their results are dropped): no branch in the k loop.
  var x_row: array<u32, BR>;
  for (var i = 0u; i < BR; i++) {
    x_row[i] = min(m0 + i, rows - 1u) * k_len;
  }
  var acc = Block();
  var part: Block;
  for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
    let k1 = min(k0 + K_CHUNK, k_len);
    part = Block();
    for (var kb = k0; kb < k1; kb += lanes) {
      // This lane's share of x: row i at k = kb + lane (clamped inside the chunk; lanes past its
      // end hold a value nobody takes).
      var x_lane: array<f32, BR>;
      let k_lane = min(kb + lane, k1 - 1u);
      for (var i = 0u; i < BR; i++) {
        x_lane[i] = x[x_row[i] + k_lane];
      }
      let steps = min(lanes, k1 - kb);
      for (var s = 0u; s < steps; s++) {
        let base = (kb + s) * n_len + nc;
        var w: array<vec4f, BC>;
        for (var j = 0u; j < BC; j += 2u) {
          let eight = weight8_at(base + 4u * j);
          w[j] = eight[0];
          w[j + 1u] = eight[1];
        }
        for (var i = 0u; i < BR; i++) {
          let xv = subgroupShuffle(x_lane[i], s);
          for (var j = 0u; j < BC; j++) {
            part[i][j] = part[i][j] + xv * w[j];
          }
        }
      }
    }
    for (var i = 0u; i < BR; i++) {
      for (var j = 0u; j < BC; j++) {
        acc[i][j] = acc[i][j] + part[i][j];
      }
    }
  }
  if (n0 >= n_len) {
    return;
  }
  for (var i = 0u; i < BR; i++) {
    let m = m0 + i;
    if (m >= rows) {
      break;
    }
    for (var j = 0u; j < BC; j++) {
      for (var q = 0u; q < 4u; q++) {
        let index = m * params.y_stride + params.n_offset + n0 + 4u * j + q;
        if (params.accumulate != 0u) {
          y[index] += acc[i][j][q];
        } else {
          y[index] = acc[i][j][q];
        }
      }
    }
  }
}
