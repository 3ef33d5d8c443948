// feed_tokens.wgsl — greedy decoding without a host round trip: the argmax of each picked row
// (logsoftmax.wgsl's result: target log-prob, argmax, max, log-sum-exp) becomes the token of the
// same row in the next decode step.

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> pick_result: array<vec4u>;
@group(0) @binding(1) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(2) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row = gid.x;
  if (row >= step.rows) {
    return;
  }
  tokens[row] = pick_result[row].y;
}
