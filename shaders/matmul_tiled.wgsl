// matmul_tiled.wgsl — y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k] over one row chunk of W, with
// W stored transposed ("kn" layout: element (n, k) at k * n + n of the chunk, see gpu-tensor.ts).
// 64×64 output tiles per workgroup of 16×16 invocations, 4×4 outputs each, with x and W tiles of
// 16 k-values staged in workgroup memory: every loaded value is used 64 times instead of once.
//
// Each output is accumulated by one invocation in k order, starting from 0.0, with `acc + x * w`:
// exactly the arithmetic of matmul_naive.wgsl and matvec.wgsl, so a row's result never depends on
// which kernel ran it or on the other rows in the dispatch (batch invariance).

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

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> x_tile: array<f32, 1024>; // [TK][TM]
var<workgroup> w_tile: array<f32, 1024>; // [TK][TN]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  let rows = step.rows;
  let n_len = params.n;
  let k_len = params.k;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) {
    acc[i] = 0.0;
  }
  for (var k0 = 0u; k0 < k_len; k0 += TK) {
    for (var c = 0u; c < 4u; c++) {
      let i = t + c * 256u;
      // x tile: consecutive invocations read consecutive k of one row.
      let xm = i / TK;
      let xk = i % TK;
      var xv = 0.0;
      if (m0 + xm < rows && k0 + xk < k_len) {
        xv = x[(m0 + xm) * k_len + k0 + xk];
      }
      x_tile[xk * TM + xm] = xv;
      // W tile: consecutive invocations read consecutive n of one k (the kn layout's rows).
      let wk = i / TN;
      let wn = i % TN;
      var wv = 0.0;
      if (k0 + wk < k_len && n0 + wn < n_len) {
        wv = weight_at((k0 + wk) * n_len + n0 + wn);
      }
      w_tile[wk * TN + wn] = wv;
    }
    workgroupBarrier();
    // Only real k values are added (no padding terms), so the sum is the naive kernel's sum.
    let k_in_tile = min(TK, k_len - k0);
    for (var kk = 0u; kk < k_in_tile; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = x_tile[kk * TM + lid.y + 16u * i];
        b[i] = w_tile[kk * TN + lid.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i * 4u + j] = acc[i * 4u + j] + a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y + 16u * i;
    if (m >= rows) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x + 16u * j;
      if (n >= n_len) {
        continue;
      }
      let index = m * params.y_stride + params.n_offset + n;
      if (params.accumulate != 0u) {
        y[index] += acc[i * 4u + j];
      } else {
        y[index] = acc[i * 4u + j];
      }
    }
  }
}
