// swiglu.wgsl — gated[row, i] = silu(g) · u with g = gate_up[row, i], u = gate_up[row, width + i]
// (InternLM2's feed-forward: w2(silu(w1 x) · w3 x); one matmul of w1 stacked over w3 wrote
// gate_up's rows, 2 · width values each).

struct Params {
  width: u32,   // intermediate size
}

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gate_up: array<f32>;
@group(0) @binding(2) var<storage, read_write> gated: array<f32>;
@group(0) @binding(3) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let row = gid.y;
  if (i >= params.width || row >= step.rows) {
    return;
  }
  let g = gate_up[row * 2u * params.width + i];
  let u = gate_up[row * 2u * params.width + params.width + i];
  gated[row * params.width + i] = g / (1.0 + exp(-g)) * u;
}
