// matmul_io.wgsl — the interface every matmul kernel shares (prepended to matmul_naive.wgsl,
// matmul_tiled.wgsl, matvec.wgsl and matmul_blocked.wgsl): y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k]
// over one row chunk of W. W itself is binding 1, declared by the weights/<format>.wgsl file with
// its reader weight_at. engine/model.ts binds [params, W chunk, x, y, step] in this order.

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
