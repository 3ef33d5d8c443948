// transpose_weights.wgsl — the loader's transpose of one row chunk of a weight matrix into the "kn"
// layout the matmul kernels read: stored[r][c] (rows × cols, row-major as in the checkpoint) →
// placed[c][r] (cols × rows). Values move bit for bit; nothing is converted or rounded.
//
// Why on the device: the same loop in JavaScript (transposeBytes in engine/gpu/chunk-placer.ts, kept
// for odd shapes and as the load bench's baseline) took most of a 1.8B checkpoint's load on one
// thread; here the adapter's threads run it while the host reads the next chunk.
//
// Invocation x owns one column of words over RUN stored rows (workgroup row y: rows y · RUN …), so
// its stores fill its placed rows' cache lines one after another, and neighbouring invocations'
// loads of a stored row fall in the same cache line. 16-bit values (f16, bf16) sit two per word,
// element 2i in the low half: the stored words (r, w) and (r + 1, w) become the placed words
// (2w, r/2) and (2w + 1, r/2), so rows and cols must both be even for them (the loader checks).
// (Measured on lavapipe, per 64 MiB: one invocation per 2 × 2 block, stores scattered over four
// placed rows per workgroup, 240 ms; this, 105–115 ms; 8 × 8 blocks moved as vec4s, 160–300 ms.)

struct Params {
  rows: u32,   // rows of the stored chunk (the placed rows' length)
  cols: u32,   // values per stored row
  halves: u32, // 1: 16-bit values, two per word; 0: 32-bit values
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stored: array<u32>;
@group(0) @binding(2) var<storage, read_write> placed: array<u32>;

const WG: u32 = 64u;   // word columns per workgroup
const RUN: u32 = 64u;  // stored rows per invocation

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let rows = params.rows;
  let cols = params.cols;
  let r0 = id.y * RUN;
  let r1 = min(r0 + RUN, rows);
  if (params.halves == 1u) {
    // Word column w: value columns 2w and 2w + 1, placed rows 2w and 2w + 1.
    let w = id.x;
    let words = cols / 2u;
    if (w >= words || r0 >= rows) {
      return;
    }
    let half_rows = rows / 2u;
    for (var r = r0; r < r1; r += 2u) {
      let top = stored[r * words + w];            // values (r, 2w) low, (r, 2w + 1) high
      let bottom = stored[(r + 1u) * words + w];  // values (r + 1, 2w), (r + 1, 2w + 1)
      placed[2u * w * half_rows + r / 2u] = (top & 0xffffu) | (bottom << 16u);
      placed[(2u * w + 1u) * half_rows + r / 2u] = (top >> 16u) | (bottom & 0xffff0000u);
    }
    return;
  }
  let c = id.x;
  if (c >= cols || r0 >= rows) {
    return;
  }
  for (var r = r0; r < r1; r++) {
    placed[c * rows + r] = stored[r * cols + c];
  }
}
