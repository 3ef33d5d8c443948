// swiglu.wgsl — gate[i] = silu(gate[i]) * up[i] (InternLM2's feed-forward: w2(silu(w1 x) * w3 x)).

struct Params {
  width: u32,   // intermediate size
}

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> gate: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<f32>;
@group(0) @binding(3) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let row = gid.y;
  if (i >= params.width || row >= step.rows) {
    return;
  }
  let index = row * params.width + i;
  let g = gate[index];
  gate[index] = g / (1.0 + exp(-g)) * up[index];
}
