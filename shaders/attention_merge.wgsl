// attention_merge.wgsl — folds the per-segment states written by attention_split.wgsl into each
// (row, head)'s attention output, in segment order, with the same log-sum-exp rescale as
// attention_tiled.wgsl:  M' = max(M, m), a = exp(M − M'), b = exp(m − M'), L' = L·a + l·b,
// O' = O·a + o·b; output O / L.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  max_len: u32,
  scale: f32,
  segments: u32,
}

struct Step {
  rows: u32,
}

const WG: u32 = 64u;
const SEG: u32 = 256u;
const NEG_INF: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> step: Step;
@group(0) @binding(7) var<storage, read> partial: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let h = wid.x;
  let row = wid.y;
  if (row >= step.rows) {
    return;
  }
  let d_len = params.head_dim;
  let n_keys = row_meta[row].y + 1u;
  let n_segments = (n_keys + SEG - 1u) / SEG;
  let width = 2u + d_len;
  let first = (row * params.heads + h) * params.segments * width;
  for (var d = t; d < d_len; d += WG) {
    var total_max = NEG_INF;
    var total_sum = 0.0;
    var total = 0.0;
    for (var seg = 0u; seg < n_segments; seg++) {
      let base = first + seg * width;
      let m = partial[base];
      let new_max = max(total_max, m);
      let a = exp(total_max - new_max);
      let b = exp(m - new_max);
      total_sum = total_sum * a + partial[base + 1u] * b;
      total_max = new_max;
      total = total * a + partial[base + 2u + d] * b;
    }
    out[(row * params.heads + h) * d_len + d] = total / total_sum;
  }
}
