// logsoftmax.wgsl — per logits row: log p(target) = logit[target] - max - log(sum(exp(logit - max))),
// and the argmax (lowest index among ties). One workgroup per row; reductions in f32 in a fixed
// order. Only four numbers per row are read back, never the logits.

struct Params {
  vocab: u32,
}

struct Step {
  rows: u32,
}

const WG: u32 = 256u;
const NO_TARGET: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
// Per row: [target log-prob (f32 bits), argmax, max logit (f32 bits), log-sum-exp (f32 bits)].
@group(0) @binding(3) var<storage, read_write> result: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_index: array<u32, WG>;
var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let row = wid.x;
  if (row >= step.rows) {
    return;
  }
  let base = row * params.vocab;
  var value = -3.0e38;
  var index = 0xffffffffu;
  for (var i = t; i < params.vocab; i += WG) {
    let v = logits[base + i];
    if (v > value) {
      value = v;
      index = i;
    }
  }
  best_value[t] = value;
  best_index[t] = index;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let other = best_value[t + s];
      let other_index = best_index[t + s];
      if (other > best_value[t] || (other == best_value[t] && other_index < best_index[t])) {
        best_value[t] = other;
        best_index[t] = other_index;
      }
    }
    workgroupBarrier();
  }
  let row_max = best_value[0];
  var sum = 0.0;
  for (var i = t; i < params.vocab; i += WG) {
    sum += exp(logits[base + i] - row_max);
  }
  sums[t] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      sums[t] += sums[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let lse = row_max + log(sums[0]);
    let target_token = targets[row];
    var target_logprob = 0.0;
    if (target_token != NO_TARGET && target_token < params.vocab) {
      target_logprob = logits[base + target_token] - lse;
    }
    result[row * 4u] = bitcast<u32>(target_logprob);
    result[row * 4u + 1u] = best_index[0];
    result[row * 4u + 2u] = bitcast<u32>(row_max);
    result[row * 4u + 3u] = bitcast<u32>(lse);
  }
}
