// matmul_blocked.wgsl — y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k], W in the transposed "kn"
// layout (element (n, k) at k * n + n of the chunk), for processors without fast workgroup memory:
// CPU adapters such as lavapipe, which run a workgroup as a loop over SIMD lanes and make every
// barrier a context switch. Each invocation keeps a register block of BR rows × 4·BC columns
// (BR, BC come from the matmul_blocks/<BR>x<BC>.wgsl file prepended to this one) and reads W and x
// straight from memory: each W value loaded is used BR times, each x value 4·BC times, and the
// CPU's caches do what workgroup tiles do on a GPU. No barriers, no workgroup memory.
//
// Each output accumulates in the chunked k order of matmul_io.wgsl, exactly like matmul_naive.wgsl,
// matmul_tiled.wgsl and matvec.wgsl + matmul_fold.wgsl, so which kernel or block shape runs a row
// never changes its result (batch invariance).
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.

// A workgroup covers 4 · BC · WG output columns × BR rows; engine/model/matmul-plan.ts shrinks WG
// for narrow W (cpuWorkgroupSize) so that a few rows still spread over lavapipe's threads.
override WG: u32 = 64u;

// A register block: BR rows × BC vec4s of output columns.
alias Block = array<array<vec4f, BC>, BR>;

// part += x[rows of the block, k] · w, in the one order every kernel uses (`part + x * w`).
fn add_products(part: ptr<function, Block>, x_row: array<u32, BR>, k: u32, w: array<vec4f, BC>) {
  for (var i = 0u; i < BR; i++) {
    let xv = x[x_row[i] + k];
    for (var j = 0u; j < BC; j++) {
      (*part)[i][j] = (*part)[i][j] + xv * w[j];
    }
  }
}

// acc += part: a finished chunk into the total (matmul_io.wgsl's order).
fn add_chunk(acc: ptr<function, Block>, part: Block) {
  for (var i = 0u; i < BR; i++) {
    for (var j = 0u; j < BC; j++) {
      (*acc)[i][j] = (*acc)[i][j] + part[i][j];
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let n0 = (wid.x * WG + t) * 4u * BC;
  let m0 = wid.y * BR;
  let rows = step.rows;
  let n_len = params.n;
  let k_len = params.k;
  if (n0 >= n_len || m0 >= rows) {
    return;
  }
  // Rows past the last repeat the last row (their results are dropped): no branch in the k loop.
  var x_row: array<u32, BR>;
  for (var i = 0u; i < BR; i++) {
    x_row[i] = min(m0 + i, rows - 1u) * k_len;
  }
  // acc: the sum of the finished chunks; part: the chunk in progress (see matmul_io.wgsl).
  var acc = Block();
  var part: Block;
  // Whole vec4s of W: n a multiple of 4 (aligned loads of packed halves) and the block inside W.
  // Each branch has its own chunk loop: one chunk loop with the branch inside it measured ~10%
  // slower on lavapipe (8×8 block, 256 rows), and a constant 64-step inner loop with an early exit
  // 10–20% slower than this k0 … k1 loop (medians of 5 interleaved runs, every block shape).
  let whole = (n_len & 3u) == 0u && n0 + 4u * BC <= n_len;
  if (whole) {
    for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
      let k1 = min(k0 + K_CHUNK, k_len);
      part = Block();
      for (var k = k0; k < k1; k++) {
        let base = k * n_len + n0;
        var w: array<vec4f, BC>;
        for (var j = 0u; j < BC; j++) {
          w[j] = weight4_at(base + 4u * j);
        }
        add_products(&part, x_row, k, w);
      }
      add_chunk(&acc, part);
    }
  } else {
    // The last columns of W, or an n that is not a multiple of 4: one value at a time; columns
    // past the end read as 0 and are not stored.
    for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
      let k1 = min(k0 + K_CHUNK, k_len);
      part = Block();
      for (var k = k0; k < k1; k++) {
        let base = k * n_len;
        var w: array<vec4f, BC>;
        for (var j = 0u; j < BC; j++) {
          for (var q = 0u; q < 4u; q++) {
            let n = n0 + 4u * j + q;
            // Assigned on every path: lavapipe was seen not to re-zero an array declared in a loop body.
            w[j][q] = select(0.0, weight_at(base + min(n, n_len - 1u)), n < n_len);
          }
        }
        add_products(&part, x_row, k, w);
      }
      add_chunk(&acc, part);
    }
  }
  for (var i = 0u; i < BR; i++) {
    let m = m0 + i;
    if (m >= rows) {
      break;
    }
    for (var j = 0u; j < BC; j++) {
      for (var q = 0u; q < 4u; q++) {
        let n = n0 + 4u * j + q;
        if (n < n_len) {
          let index = m * params.y_stride + params.n_offset + n;
          if (params.accumulate != 0u) {
            y[index] += acc[i][j][q];
          } else {
            y[index] = acc[i][j][q];
          }
        }
      }
    }
  }
}
