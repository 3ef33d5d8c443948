// fill_random.wgsl — fills a weight buffer with deterministic pseudo-random values uniform in
// [-scale, scale) (or with `scale` itself when constant != 0), for generated benchmark models: a
// 1.8B-shaped model is made on the GPU in milliseconds instead of being read from 3.8 GB of files.
// Output words hold one f32, two bf16 (truncated) or two f16 values, as shaders/weights/*.wgsl read them.

struct Params {
  words: u32,
  format: u32,    // 0 f32, 1 bf16, 2 f16
  seed: u32,
  scale: f32,
  constant: u32,  // 1: every value is `scale`
  word_offset: u32, // first word of this dispatch (grids past 65,535 workgroups are split)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

// PCG-style integer hash (O'Neill), good enough for benchmark weights.
fn hash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn value(index: u32) -> f32 {
  if (params.constant != 0u) {
    return params.scale;
  }
  let h = hash(index ^ hash(params.seed));
  return (f32(h >> 8u) / 16777216.0 * 2.0 - 1.0) * params.scale;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let w = params.word_offset + gid.x;
  if (w >= params.words) {
    return;
  }
  if (params.format == 0u) {
    out[w] = bitcast<u32>(value(w));
  } else if (params.format == 1u) {
    let lo = bitcast<u32>(value(2u * w)) >> 16u;
    let hi = bitcast<u32>(value(2u * w + 1u)) & 0xffff0000u;
    out[w] = hi | lo;
  } else {
    out[w] = pack2x16float(vec2f(value(2u * w), value(2u * w + 1u)));
  }
}
