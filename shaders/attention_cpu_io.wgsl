// attention_cpu_io.wgsl — the interface of the CPU family's attention kernels, prepended to
// attention_rows.wgsl (prefill) and attention_lanes.wgsl (split-K decode) before the KV-cache reader
// (kv_read/<format>.wgsl: k_cache and v_cache at bindings 3 and 4, k_at, v_at). engine/model.ts
// binds [params, q, row_meta, k_cache, v_cache, result, step] in this order.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,   // at most MAX_HD
  max_len: u32,
  scale: f32,      // 1 / sqrt(head_dim)
  segments: u32,   // segment capacity per (row, head) of attention_lanes.wgsl's partial state
}

struct Step {
  rows: u32,
}

const WG: u32 = 8u;       // one SIMD group of lavapipe's 256-bit vectors
const BLOCK: u32 = 64u;   // keys per online-softmax block (the canonical order's)
const SEG: u32 = 256u;    // keys per segment
const MAX_HD: u32 = 256u;
const NEG_INF: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;          // [rows, heads, head_dim]
@group(0) @binding(2) var<storage, read> row_meta: array<vec2u>; // (slot, position)
// attention_rows.wgsl: [rows, heads * head_dim] output; attention_lanes.wgsl: [rows, heads,
// segments, 2 + head_dim] per-segment state.
@group(0) @binding(5) var<storage, read_write> result: array<f32>;
@group(0) @binding(6) var<uniform> step: Step;

// Most keys of any row of this workgroup (`first` row .. `first + count`): a bound that is the same
// in every lane.
fn workgroup_keys(first: u32, count: u32) -> u32 {
  var keys = 0u;
  for (var r = first; r < min(step.rows, first + count); r++) {
    keys = max(keys, row_meta[r].y + 1u);
  }
  return keys;
}
