// matmul_tiled.wgsl — y[m, n_offset + n] (+)= sum_k x[m, k] * W[n, k] over one row chunk of W, with
// W stored transposed ("kn" layout: element (n, k) at k * n + n of the chunk, see gpu-tensor.ts).
// 64×64 output tiles per workgroup of 16×16 invocations, 4×4 outputs each, with x and W tiles of
// 16 k-values staged in workgroup memory: every loaded value is used 64 times instead of once.
//
// Each output is accumulated by one invocation in the chunked k order of matmul_io.wgsl (a chunk is
// K_CHUNK / TK tiles): exactly the arithmetic of matmul_naive.wgsl and matvec.wgsl + matmul_fold.wgsl, so a row's
// result never depends on which kernel ran it or on the other rows in the dispatch (batch invariance).
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
const TILES_PER_CHUNK: u32 = K_CHUNK / TK; // K_CHUNK is a multiple of TK

// Tiles hold vec4s: x_tile[k][i] = x rows m0 + 4i … 4i + 3 at k, w_tile[k][j] = W columns
// n0 + 4j … 4j + 3 at k; invocation (tx, ty) owns outputs rows 4·ty + 0…3 × columns 4·tx + 0…3,
// updated with vec4 multiply-adds (the same per-element `acc + x * w`).
var<workgroup> x_tile: array<vec4f, 256>; // [TK][16]
var<workgroup> w_tile: array<vec4f, 256>; // [TK][16]

fn load_tiles(t: u32, m0: u32, n0: u32, k0: u32, rows: u32, n_len: u32, k_len: u32) {
  // x: invocation t loads rows 4·(t / TK) + 0…3 at k0 + t % TK (neighbours read neighbouring k).
  let xk = t % TK;
  let xi = t / TK;
  var xv = vec4f(0.0);
  if (k0 + xk < k_len) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + 4u * xi + i;
      if (m < rows) {
        xv[i] = x[m * k_len + k0 + xk];
      }
    }
  }
  x_tile[xk * 16u + xi] = xv;
  // W: invocation t loads columns 4·(t % 16) + 0…3 at k0 + t / 16 (neighbours read neighbouring n).
  let wk = t / 16u;
  let wj = t % 16u;
  var wv = vec4f(0.0);
  if (k0 + wk < k_len) {
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * wj + j;
      if (n < n_len) {
        wv[j] = weight_at((k0 + wk) * n_len + n);
      }
    }
  }
  w_tile[wk * 16u + wj] = wv;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  let rows = step.rows;
  let n_len = params.n;
  let k_len = params.k;
  // acc: the sum of the finished chunks; part: the chunk in progress (see matmul_io.wgsl).
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  var part0 = vec4f(0.0);
  var part1 = vec4f(0.0);
  var part2 = vec4f(0.0);
  var part3 = vec4f(0.0);
  let full_tiles = k_len / TK;
  // Full tiles: a constant trip count the compiler can unroll.
  for (var tile = 0u; tile < full_tiles; tile++) {
    load_tiles(t, m0, n0, tile * TK, rows, n_len, k_len);
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a = x_tile[kk * 16u + lid.y];
      let b = w_tile[kk * 16u + lid.x];
      part0 = part0 + a.x * b;
      part1 = part1 + a.y * b;
      part2 = part2 + a.z * b;
      part3 = part3 + a.w * b;
    }
    workgroupBarrier();
    if ((tile + 1u) % TILES_PER_CHUNK == 0u) {
      acc0 = acc0 + part0;
      acc1 = acc1 + part1;
      acc2 = acc2 + part2;
      acc3 = acc3 + part3;
      part0 = vec4f(0.0);
      part1 = vec4f(0.0);
      part2 = vec4f(0.0);
      part3 = vec4f(0.0);
    }
  }
  // The last partial tile adds only real k values (no padding terms): the naive kernel's sum.
  let k_rest = k_len - full_tiles * TK;
  if (k_rest > 0u) {
    load_tiles(t, m0, n0, full_tiles * TK, rows, n_len, k_len);
    workgroupBarrier();
    for (var kk = 0u; kk < k_rest; kk++) {
      let a = x_tile[kk * 16u + lid.y];
      let b = w_tile[kk * 16u + lid.x];
      part0 = part0 + a.x * b;
      part1 = part1 + a.y * b;
      part2 = part2 + a.z * b;
      part3 = part3 + a.w * b;
    }
  }
  // An unfinished last chunk (k_len not a multiple of K_CHUNK).
  if (k_len % K_CHUNK != 0u) {
    acc0 = acc0 + part0;
    acc1 = acc1 + part1;
    acc2 = acc2 + part2;
    acc3 = acc3 + part3;
  }
  let accs = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * lid.y + i;
    if (m >= rows) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * lid.x + j;
      if (n >= n_len) {
        continue;
      }
      let index = m * params.y_stride + params.n_offset + n;
      if (params.accumulate != 0u) {
        y[index] += accs[i][j];
      } else {
        y[index] = accs[i][j];
      }
    }
  }
}
