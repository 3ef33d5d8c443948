// matmul_naive.wgsl — y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k] over one row chunk of W.
// One invocation per output element, f32 accumulation in the chunked k order of matmul_io.wgsl. Every output depends only on its
// own row of x, so results never depend on which other rows share the dispatch (batch invariance).
// W's storage format comes from the weights/*.wgsl file prepended to this one (weight_at).
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let m = gid.y;
  if (n >= params.n || m >= step.rows) {
    return;
  }
  var acc = 0.0;
  let x_base = m * params.k;
  let w_base = n * params.k;
  for (var k0 = 0u; k0 < params.k; k0 += K_CHUNK) {
    var part = 0.0;
    for (var k = k0; k < min(k0 + K_CHUNK, params.k); k++) {
      part += x[x_base + k] * weight_at(w_base + k);
    }
    acc += part;
  }
  let index = m * params.y_stride + params.n_offset + n;
  if (params.accumulate != 0u) {
    y[index] += acc;
  } else {
    y[index] = acc;
  }
}
