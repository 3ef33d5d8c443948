// attention_naive_scores.wgsl — the textbook baseline for bench/attention.ts, never used by the
// model: materialise S = Q Kᵀ · scale for every (head, query, key) in a T × T matrix per head,
// softmax each row in place, then O = P V. Memory grows as heads · T², which is what the tiled
// kernel avoids. Three entry points, one per phase; rows are one sequence at positions 0 … T − 1.

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  tokens: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;        // [T, heads, head_dim]
@group(0) @binding(2) var<storage, read> k: array<f32>;        // [T, kv_heads, head_dim]
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> s: array<f32>;  // [heads, T, T]
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // [T, heads, head_dim]

// One invocation per (key j, query i, head h); causal entries j > i get -inf (as 0 after softmax).
@compute @workgroup_size(64)
fn scores(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let i = gid.y;
  let h = gid.z;
  let n = params.tokens;
  if (j >= n) {
    return;
  }
  let g = h / (params.heads / params.kv_heads);
  var dot = -3.0e38;
  if (j <= i) {
    dot = 0.0;
    for (var d = 0u; d < params.head_dim; d++) {
      dot += q[(i * params.heads + h) * params.head_dim + d] * k[(j * params.kv_heads + g) * params.head_dim + d];
    }
    dot *= params.scale;
  }
  s[(h * n + i) * n + j] = dot;
}

var<workgroup> partial: array<f32, 64>;

// One workgroup per (query i, head h): max, exp, sum, normalise, in place.
@compute @workgroup_size(64)
fn softmax(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let i = wid.x;
  let h = wid.y;
  let n = params.tokens;
  let base = (h * n + i) * n;
  var m = -3.0e38;
  for (var j = t; j <= i; j += 64u) {
    m = max(m, s[base + j]);
  }
  partial[t] = m;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (t < stride) {
      partial[t] = max(partial[t], partial[t + stride]);
    }
    workgroupBarrier();
  }
  let row_max = partial[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = t; j <= i; j += 64u) {
    let e = exp(s[base + j] - row_max);
    s[base + j] = e;
    sum += e;
  }
  partial[t] = sum;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (t < stride) {
      partial[t] += partial[t + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  for (var j = t; j <= i; j += 64u) {
    s[base + j] = s[base + j] / total;
  }
}

// One invocation per (dimension d, query i, head h): O = P V over keys 0 … i.
@compute @workgroup_size(64)
fn weighted(@builtin(global_invocation_id) gid: vec3u) {
  let d = gid.x;
  let i = gid.y;
  let h = gid.z;
  let n = params.tokens;
  if (d >= params.head_dim) {
    return;
  }
  let g = h / (params.heads / params.kv_heads);
  let base = (h * n + i) * n;
  var acc = 0.0;
  for (var j = 0u; j <= i; j++) {
    acc += s[base + j] * v[(j * params.kv_heads + g) * params.head_dim + d];
  }
  out[(i * params.heads + h) * params.head_dim + d] = acc;
}
