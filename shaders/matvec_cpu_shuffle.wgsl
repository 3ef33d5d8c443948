// matvec_cpu_shuffle.wgsl — matvec_cpu.wgsl (the decode path of CPU adapters) for adapters with
// subgroups: y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k], one row and 16 output columns per
// invocation, W read eight values per load (weights_by8/<format>.wgsl), and the row of x loaded once
// per subgroup: lane l loads x[m, kb + l] and the lanes take each other's with subgroupShuffle (see
// matmul_blocked_shuffle.wgsl for why that pays on lavapipe). Measured on lavapipe, 1.8B w1 shape
// (8192 × 2048), CPU time: 1.15–1.3× matvec_cpu.wgsl in f32, bf16 and f16.
//
// Each output accumulates in the chunked k order of matmul_io.wgsl, exactly like every other matmul
// kernel (batch invariance). Needs n a multiple of 8 and at least 16 (engine/model/matmul-plan.ts
// checks): a block of 16 columns that would run past n reads the last 16 instead; invocations past
// the columns (or workgroup rows past the rows) run the loops on the last block and row, keeping the
// subgroup's control flow uniform, and store nothing.
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.
enable subgroups;

override WG: u32 = 64u; // a workgroup covers 16 · WG output columns of one row (matmul-plan.ts sizes it)
const BC: u32 = 4u;      // vec4s of output columns per invocation

alias Block = array<vec4f, BC>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) lanes: u32) {
  let n0 = (wid.x * WG + t) * 4u * BC;
  let m = min(wid.y, step.rows - 1u);
  let n_len = params.n;
  let k_len = params.k;
  let nc = min(n0, n_len - 4u * BC);
  let x_row = m * k_len;
  // acc: the sum of the finished chunks; part: the chunk in progress (see matmul_io.wgsl).
  var acc = Block();
  var part: Block;
  for (var k0 = 0u; k0 < k_len; k0 += K_CHUNK) {
    let k1 = min(k0 + K_CHUNK, k_len);
    part = Block();
    for (var kb = k0; kb < k1; kb += lanes) {
      let x_lane = x[x_row + min(kb + lane, k1 - 1u)];
      let steps = min(lanes, k1 - kb);
      for (var s = 0u; s < steps; s++) {
        let base = (kb + s) * n_len + nc;
        let xv = subgroupShuffle(x_lane, s);
        for (var j = 0u; j < BC; j += 2u) {
          let eight = weight8_at(base + 4u * j);
          part[j] = part[j] + xv * eight[0];
          part[j + 1u] = part[j + 1u] + xv * eight[1];
        }
      }
    }
    for (var j = 0u; j < BC; j++) {
      acc[j] = acc[j] + part[j];
    }
  }
  if (n0 >= n_len || wid.y >= step.rows) {
    return;
  }
  // The block computed starts at nc: for the last invocation of an n that is not a multiple of 16
  // it starts 8 columns early (overlapping the previous block); store only the columns from n0 on.
  for (var j = 0u; j < BC; j++) {
    for (var q = 0u; q < 4u; q++) {
      let n = nc + 4u * j + q;
      if (n >= n0) {
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
