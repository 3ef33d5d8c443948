// matvec.wgsl — the GPU decode path, first half: the chunk sums of y[m, n] = Σ_k x[m, k] · W[n, k]
// for a few rows (at most MAX_ROWS), W in the transposed "kn" layout. Workgroup row wid.y sums one
// chunk of K_CHUNK k values (matmul_io.wgsl's order: in k order from 0.0) and writes it to
// partials[(chunk · rows + m) · n + column]; matmul_fold.wgsl then adds the chunks in order into y.
//
// Why split k: with one invocation per group of output columns, a 2048-column projection keeps only
// 512 invocations busy, far too few to stream W at a GPU's memory bandwidth; one workgroup row per
// chunk multiplies that by k / K_CHUNK (32 for k = 2048) without changing the summation order.
//
// Four output columns per invocation: neighbouring invocations read neighbouring words of each W row,
// and each W value is read once for all rows. The chunk of x is staged in workgroup memory.
// Params, Step and the x binding come from matmul_io.wgsl, prepended with the weight reader.

const WG: u32 = 64u;   // a workgroup covers 4 · WG = 256 output columns
const MAX_ROWS: u32 = 16u;

@group(0) @binding(5) var<storage, read_write> partials: array<f32>;

var<workgroup> x_chunk: array<f32, 1024>; // [MAX_ROWS][K_CHUNK]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let chunk = wid.y;
  let k0 = chunk * K_CHUNK;
  let k_len = params.k;
  let n_len = params.n;
  let rows = min(step.rows, MAX_ROWS);
  if (k0 >= k_len) {
    return;
  }
  let k_in_chunk = min(K_CHUNK, k_len - k0);
  for (var m = 0u; m < rows; m++) {
    for (var kk = t; kk < k_in_chunk; kk += WG) {
      x_chunk[m * K_CHUNK + kk] = x[m * k_len + k0 + kk];
    }
  }
  workgroupBarrier();
  // Invocation t owns the four neighbouring columns n0 … n0 + 3.
  let n0 = (wid.x * WG + t) * 4u;
  let lanes = min(4u, select(0u, n_len - n0, n0 < n_len));
  var part: array<vec4f, MAX_ROWS>;
  for (var m = 0u; m < MAX_ROWS; m++) {
    part[m] = vec4f(0.0);
  }
  if (lanes == 4u && (n_len & 3u) == 0u) {
    // Whole, aligned vec4s of W (weight4_at reads the same values as four weight_at calls).
    for (var kk = 0u; kk < k_in_chunk; kk++) {
      let w = weight4_at((k0 + kk) * n_len + n0);
      for (var m = 0u; m < rows; m++) {
        part[m] = part[m] + x_chunk[m * K_CHUNK + kk] * w;
      }
    }
  } else if (lanes > 0u) {
    for (var kk = 0u; kk < k_in_chunk; kk++) {
      let base = (k0 + kk) * n_len + n0;
      var w = vec4f(0.0);
      for (var j = 0u; j < lanes; j++) {
        w[j] = weight_at(base + j);
      }
      for (var m = 0u; m < rows; m++) {
        part[m] = part[m] + x_chunk[m * K_CHUNK + kk] * w;
      }
    }
  }
  for (var m = 0u; m < rows; m++) {
    for (var j = 0u; j < lanes; j++) {
      partials[(chunk * rows + m) * n_len + n0 + j] = part[m][j];
    }
  }
}
