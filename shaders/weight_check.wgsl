// weight_check.wgsl — counts the non-finite values (NaN, +Inf, -Inf) in one weight buffer and finds
// the first one, by bit pattern: a float is non-finite exactly when all its exponent bits are set,
// whatever its format. f32 buffers hold one value per u32 word; f16 and bf16 buffers hold two (low
// half first). Checking bits, not values, needs no shader-f16 and cannot be fooled by a compiler
// that assumes floats are finite (WGSL allows `x != x` to be folded to false).
//
// One dispatch per buffer; each thread walks the buffer with a grid stride, counts its own
// non-finite values, and only threads that found one touch the atomics — a clean tensor costs one
// read of its bytes. result[2 * slot] = count, result[2 * slot + 1] = first element index
// (initialised to 0xffffffff on the host).

struct Params {
  words: u32,  // u32 words in the buffer (padding words are zero, hence finite)
  format: u32, // 0: f32, 1: f16 pairs, 2: bf16 pairs
  slot: u32,   // which result pair this buffer's figures go to
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read_write> result: array<atomic<u32>>;

const WG: u32 = 256u;

fn half_non_finite(bits: u32) -> bool {
  if (params.format == 1u) {
    return (bits & 0x7c00u) == 0x7c00u;
  }
  return (bits & 0x7f80u) == 0x7f80u;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let stride = groups.x * WG;
  var count = 0u;
  var first = 0xffffffffu;
  for (var i = gid.x; i < params.words; i += stride) {
    let word = data[i];
    if (params.format == 0u) {
      if ((word & 0x7f800000u) == 0x7f800000u) {
        count += 1u;
        first = min(first, i);
      }
    } else {
      if (half_non_finite(word & 0xffffu)) {
        count += 1u;
        first = min(first, 2u * i);
      }
      if (half_non_finite(word >> 16u)) {
        count += 1u;
        first = min(first, 2u * i + 1u);
      }
    }
  }
  if (count > 0u) {
    atomicAdd(&result[2u * params.slot], count);
    atomicMin(&result[2u * params.slot + 1u], first);
  }
}
