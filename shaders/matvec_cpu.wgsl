// matvec_cpu.wgsl — the decode path of CPU adapters (lavapipe): y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k]
// for a few rows, W in the transposed "kn" layout, one row and 4 · BC output columns per
// invocation, with no workgroup memory and no barriers (as matmul_blocked.wgsl, see there why).
//
// Why its own kernel: lavapipe runs each workgroup on one of its threads, so a product must have
// at least a few workgroups per thread to keep them all busy. matmul_blocked.wgsl's 64 invocations
// cover 1024 columns, so at hidden 1024 the `wo` and `w2` products were one workgroup and one
// thread idled. Here the workgroup size WG is a pipeline constant that engine/model/matmul-plan.ts
// shrinks for narrow W (down to one SIMD batch of lavapipe, 8 invocations), so every product spreads
// over the threads; workgroup row wid.y is the row of x.
//
// Each output accumulates in the chunked k order of matmul_io.wgsl (chunk sums of `part + x * w`
// from 0.0, added in chunk order to a total from 0.0), exactly like every other matmul kernel, so a
// row's result never depends on which kernel or workgroup size ran it (batch invariance).
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.

override WG: u32 = 64u; // a workgroup covers 4 · BC · WG output columns of one row
const BC: u32 = 4u;      // vec4s of output columns per invocation

alias Block = array<vec4f, BC>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let n0 = (wid.x * WG + t) * 4u * BC;
  let m = wid.y;
  let n_len = params.n;
  let k_len = params.k;
  if (n0 >= n_len || m >= step.rows) {
    return;
  }
  let x_row = m * k_len;
  // acc: the sum of the finished chunks; part: the chunk in progress (see matmul_io.wgsl).
  var acc = Block();
  var part: Block;
  // Whole vec4s of W (n a multiple of 4: aligned loads of packed halves) in the block: one chunk
  // loop per branch, as matmul_blocked.wgsl (a branch inside the loop measured slower there).
  let whole = (n_len & 3u) == 0u && n0 + 4u * BC <= n_len;
  if (whole) {
    for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
      let k1 = min(k0 + K_CHUNK, k_len);
      part = Block();
      for (var k = k0; k < k1; k++) {
        let base = k * n_len + n0;
        let xv = x[x_row + k];
        for (var j = 0u; j < BC; j++) {
          part[j] = part[j] + xv * weight4_at(base + 4u * j);
        }
      }
      for (var j = 0u; j < BC; j++) {
        acc[j] = acc[j] + part[j];
      }
    }
  } else {
    // The last columns of W, or an n that is not a multiple of 4: one value at a time; columns
    // past the end read as 0 and are not stored.
    for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
      let k1 = min(k0 + K_CHUNK, k_len);
      part = Block();
      for (var k = k0; k < k1; k++) {
        let base = k * n_len;
        let xv = x[x_row + k];
        for (var j = 0u; j < BC; j++) {
          var w: vec4f;
          for (var q = 0u; q < 4u; q++) {
            let n = n0 + 4u * j + q;
            w[q] = select(0.0, weight_at(base + min(n, n_len - 1u)), n < n_len);
          }
          part[j] = part[j] + xv * w;
        }
      }
      for (var j = 0u; j < BC; j++) {
        acc[j] = acc[j] + part[j];
      }
    }
  }
  for (var j = 0u; j < BC; j++) {
    for (var q = 0u; q < 4u; q++) {
      let n = n0 + 4u * j + q;
      if (n < n_len) {
        let index = m * params.y_stride + params.n_offset + n;
        if (params.accumulate != 0u) {
          y[index] += acc[j][q];
        } else {
          y[index] = acc[j][q];
        }
      }
    }
  }
}
