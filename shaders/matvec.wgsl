// matvec.wgsl — the decode path of matmul_tiled.wgsl: y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k]
// for a few rows (at most MAX_ROWS), W in the transposed "kn" layout. Four output columns per
// invocation: neighbouring invocations read neighbouring words of each W row (a workgroup reads
// 4 · WG contiguous values per k), and each W value is read once for all rows, so the kernel
// streams W at memory bandwidth. x is staged through workgroup
// memory in slices of XK values.
//
// Each output accumulates in k order from 0.0 with `acc + x * w`, exactly like matmul_tiled.wgsl,
// so choosing this kernel for small row counts never changes a result.
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.

const WG: u32 = 64u;   // a workgroup covers 4 · WG = 256 output columns
const MAX_ROWS: u32 = 16u;
const XK: u32 = 128u;

var<workgroup> x_slice: array<f32, 2048>; // [MAX_ROWS][XK]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  // Invocation t owns the four neighbouring columns n0 … n0 + 3 (a workgroup covers 4 · WG).
  let n0 = (wid.x * WG + t) * 4u;
  let rows = min(step.rows, MAX_ROWS);
  let n_len = params.n;
  let k_len = params.k;
  let lanes = min(4u, select(0u, n_len - n0, n0 < n_len));
  var acc: array<vec4f, MAX_ROWS>;
  for (var m = 0u; m < MAX_ROWS; m++) {
    acc[m] = vec4f(0.0);
  }
  for (var k0 = 0u; k0 < k_len; k0 += XK) {
    let k_in_slice = min(XK, k_len - k0);
    for (var m = 0u; m < rows; m++) {
      for (var kk = t; kk < k_in_slice; kk += WG) {
        x_slice[m * XK + kk] = x[m * k_len + k0 + kk];
      }
    }
    workgroupBarrier();
    if (lanes == 4u) {
      for (var kk = 0u; kk < k_in_slice; kk++) {
        let base = (k0 + kk) * n_len + n0;
        let w = vec4f(weight_at(base), weight_at(base + 1u), weight_at(base + 2u), weight_at(base + 3u));
        for (var m = 0u; m < rows; m++) {
          acc[m] = acc[m] + x_slice[m * XK + kk] * w;
        }
      }
    } else if (lanes > 0u) {
      for (var kk = 0u; kk < k_in_slice; kk++) {
        let base = (k0 + kk) * n_len + n0;
        var w = vec4f(0.0);
        for (var j = 0u; j < lanes; j++) {
          w[j] = weight_at(base + j);
        }
        for (var m = 0u; m < rows; m++) {
          acc[m] = acc[m] + x_slice[m * XK + kk] * w;
        }
      }
    }
    workgroupBarrier();
  }
  for (var m = 0u; m < rows; m++) {
    for (var j = 0u; j < lanes; j++) {
      let index = m * params.y_stride + params.n_offset + n0 + j;
      if (params.accumulate != 0u) {
        y[index] += acc[m][j];
      } else {
        y[index] = acc[m][j];
      }
    }
  }
}
