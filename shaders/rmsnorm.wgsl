// rmsnorm.wgsl — y = x / sqrt(mean(x^2) + eps) * g, one workgroup per row.
// Sum of squares accumulates in f32 with a fixed tree order, so a row's result does not depend on
// the other rows in the dispatch.

struct Params {
  width: u32,
  eps: f32,
}

struct Step {
  rows: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gain: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let row = wid.x;
  if (row >= step.rows) {
    return;
  }
  let base = row * params.width;
  var sum = 0.0;
  for (var i = t; i < params.width; i += WG) {
    let v = x[base + i];
    sum += v * v;
  }
  partial[t] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (t < stride) {
      partial[t] += partial[t + stride];
    }
    workgroupBarrier();
  }
  let inv = inverseSqrt(partial[0] / f32(params.width) + params.eps);
  for (var i = t; i < params.width; i += WG) {
    y[base + i] = x[base + i] * inv * gain[i];
  }
}
