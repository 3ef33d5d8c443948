// embed.wgsl — x[row, :] = E[token[row], :] for the rows whose token falls in this chunk of the
// embedding table (tables larger than the binding limit are split by vocabulary rows).
// E's storage format comes from the weights/*.wgsl file prepended to this one (weight_at).

struct Params {
  width: u32,       // hidden size
  first_token: u32, // first vocabulary row held by this chunk
  token_count: u32, // vocabulary rows in this chunk
}

struct Step {
  rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let row = gid.y;
  if (i >= params.width || row >= step.rows) {
    return;
  }
  let token = tokens[row];
  if (token < params.first_token || token >= params.first_token + params.token_count) {
    return;
  }
  x[row * params.width + i] = weight_at((token - params.first_token) * params.width + i);
}
