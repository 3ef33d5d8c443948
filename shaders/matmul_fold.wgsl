// matmul_fold.wgsl — the GPU decode path, second half: y[m, n_offset + n] (+)= the chunk sums that
// matvec.wgsl left in partials[(chunk · rows + m) · n + n], added in chunk order to a total that
// starts at 0.0 — the last step of matmul_io.wgsl's summation order, so the result is bit-for-bit
// that of the single-pass kernels. One invocation per output.
// Params, Step and the y binding come from matmul_io.wgsl, prepended to this file.

@group(0) @binding(5) var<storage, read> partials: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let m = gid.y;
  let rows = step.rows;
  if (n >= params.n || m >= rows) {
    return;
  }
  let chunks = (params.k + K_CHUNK - 1u) / K_CHUNK;
  var acc = 0.0;
  for (var chunk = 0u; chunk < chunks; chunk++) {
    acc += partials[(chunk * rows + m) * params.n + n];
  }
  let index = m * params.y_stride + params.n_offset + n;
  if (params.accumulate != 0u) {
    y[index] += acc;
  } else {
    y[index] = acc;
  }
}
