// transpose_weights.wgsl — the loader's transpose of one row chunk of a weight matrix into the "kn"
// layout the matmul kernels read: stored[r][c] (rows × cols, row-major as in the checkpoint) →
// placed[c][r] (cols × rows). Values move bit for bit; nothing is converted or rounded.
//
// Why on the device: the same loop in JavaScript (gpu-tensor.ts transposeBytes, kept for odd shapes)
// took most of a 1.8B checkpoint's load, one value at a time on one thread with a cache miss per
// store; here the adapter's threads (lavapipe's, on a CPU) run it over 2 × 2 blocks of words.
//
// Each invocation moves a block of 2 rows × 2 value columns (rows and columns count values):
//   32-bit values (HALVES 0: f32): placed[c + j][r + i] = stored[r + i][c + j], edges skipped;
//   16-bit values (f16, bf16; two per word, element 2i in the low half): the stored words
//     (r, c..c+1) and (r + 1, c..c+1) become the placed words (c, r..r+1) and (c + 1, r..r+1), a
//     shuffle of halves; rows and cols must then both be even (the loader checks, else it
//     transposes on the host).
// Invocation (x, y) of the grid is value column 2x and row 2y; x is the fast index, so the loads
// of one stored row by a workgroup's invocations are neighbours.

struct Params {
  rows: u32,   // rows of the stored chunk (placed row length)
  cols: u32,   // values per stored row
  halves: u32, // 1: 16-bit values, two per word; 0: 32-bit values
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stored: array<u32>;
@group(0) @binding(2) var<storage, read_write> placed: array<u32>;

const WG_X: u32 = 16u;
const WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let c = 2u * id.x;
  let r = 2u * id.y;
  let rows = params.rows;
  let cols = params.cols;
  if (params.halves == 1u) {
    if (c >= cols || r >= rows) {
      return;
    }
    // Words per stored row and per placed row.
    let stored_words = cols / 2u;
    let placed_words = rows / 2u;
    let top = stored[r * stored_words + id.x];          // values (r, c) low, (r, c + 1) high
    let bottom = stored[(r + 1u) * stored_words + id.x]; // values (r + 1, c), (r + 1, c + 1)
    placed[c * placed_words + id.y] = (top & 0xffffu) | (bottom << 16u);
    placed[(c + 1u) * placed_words + id.y] = (top >> 16u) | (bottom & 0xffff0000u);
    return;
  }
  for (var i = 0u; i < 2u; i++) {
    for (var j = 0u; j < 2u; j++) {
      let rr = r + i;
      let cc = c + j;
      if (rr < rows && cc < cols) {
        placed[cc * rows + rr] = stored[rr * cols + cc];
      }
    }
  }
}
