// matvec.wgsl — the decode path of matmul_tiled.wgsl: y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k]
// for a few rows (at most MAX_ROWS), W in the transposed "kn" layout. One invocation per output
// column: neighbouring invocations read neighbouring words of each W row, and each W value is read
// once for all rows, so the kernel streams W at memory bandwidth. x is staged through workgroup
// memory in slices of XK values.
//
// Each output accumulates in k order from 0.0 with `acc + x * w`, exactly like matmul_tiled.wgsl,
// so choosing this kernel for small row counts never changes a result.

struct Params {
  n: u32,
  k: u32,
  n_offset: u32,
  y_stride: u32,
  accumulate: u32,
}

struct Step {
  rows: u32,
}

const WG: u32 = 64u;
const MAX_ROWS: u32 = 8u;
const XK: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> x_slice: array<f32, 2048>; // [MAX_ROWS][XK]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let n = wid.x * WG + t;
  let rows = min(step.rows, MAX_ROWS);
  let n_len = params.n;
  let k_len = params.k;
  var acc: array<f32, MAX_ROWS>;
  for (var m = 0u; m < MAX_ROWS; m++) {
    acc[m] = 0.0;
  }
  for (var k0 = 0u; k0 < k_len; k0 += XK) {
    let k_in_slice = min(XK, k_len - k0);
    for (var m = 0u; m < rows; m++) {
      for (var kk = t; kk < k_in_slice; kk += WG) {
        x_slice[m * XK + kk] = x[m * k_len + k0 + kk];
      }
    }
    workgroupBarrier();
    if (n < n_len) {
      for (var kk = 0u; kk < k_in_slice; kk++) {
        let w = weight_at((k0 + kk) * n_len + n);
        for (var m = 0u; m < rows; m++) {
          acc[m] = acc[m] + x_slice[m * XK + kk] * w;
        }
      }
    }
    workgroupBarrier();
  }
  if (n >= n_len) {
    return;
  }
  for (var m = 0u; m < rows; m++) {
    let index = m * params.y_stride + params.n_offset + n;
    if (params.accumulate != 0u) {
      y[index] += acc[m];
    } else {
      y[index] = acc[m];
    }
  }
}
