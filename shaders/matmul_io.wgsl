// matmul_io.wgsl — the interface every matmul kernel shares (prepended to matmul_naive.wgsl,
// matmul_tiled.wgsl, matvec.wgsl, matmul_fold.wgsl and matmul_blocked.wgsl): y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k]
// over one row chunk of W. W itself is binding 1, declared by the weights/<format>.wgsl file with
// its reader weight_at. engine/model.ts binds [params, W chunk, x, y, step] in this order (a kernel's
// layout keeps only the bindings it uses; matmul-plan.ts says which).
//
// The summation order, the same in every kernel: the k range is cut into chunks of K_CHUNK values;
// each chunk is summed in k order from 0.0 with `part + x * w`, and the chunk sums are added in
// chunk order to a total that starts at 0.0. So a kernel may choose its variant by row count, and a
// decode-sized matmul may spread the chunks over workgroups (matvec.wgsl, folded by
// matmul_fold.wgsl), without changing a bit of any result (batch invariance).
const K_CHUNK: u32 = 64u;

struct Params {
  n: u32,          // rows of this W chunk (output columns written)
  k: u32,          // inner dimension
  n_offset: u32,   // first output column of this chunk
  y_stride: u32,   // row stride of y (all output columns)
  accumulate: u32, // 1: add into y (residual connection), 0: overwrite
}

struct Step {
  rows: u32,       // rows of x (and y) in this dispatch
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
