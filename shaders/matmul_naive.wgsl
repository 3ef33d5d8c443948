// matmul_naive.wgsl — y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k] over one row chunk of W.
// One invocation per output element, f32 accumulation in k order. Every output depends only on its
// own row of x, so results never depend on which other rows share the dispatch (batch invariance).
// W's storage format comes from the weights/*.wgsl file prepended to this one (weight_at).

struct Params {
  n: u32,          // rows of this W chunk (output columns written)
  k: u32,          // inner dimension
  n_offset: u32,   // first output column of this chunk
  y_stride: u32,   // row stride of y (all output columns)
  accumulate: u32, // 1: add into y (residual connection), 0: overwrite
}

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

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
  for (var k = 0u; k < params.k; k++) {
    acc += x[x_base + k] * weight_at(w_base + k);
  }
  let index = m * params.y_stride + params.n_offset + n;
  if (params.accumulate != 0u) {
    y[index] += acc;
  } else {
    y[index] = acc;
  }
}
