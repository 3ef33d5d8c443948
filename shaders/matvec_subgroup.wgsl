// matvec_subgroup.wgsl — the GPU decode path in one pass where the adapter has subgroups:
// y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k] for at most ROWS rows (a matvec_rows/<ROWS>.wgsl
// prelude), W in the transposed "kn" layout. matvec.wgsl + matmul_fold.wgsl do the same work in two
// dispatches, through a scratch buffer of chunk sums.
//
// One subgroup computes one item, four neighbouring output columns for every row: lane j sums the
// K_CHUNK-value chunks j, j + lanes, j + 2·lanes, … (each in k order from 0.0, as matmul_io.wgsl
// prescribes), and every round the subgroup adds the round's chunk sums to its total in chunk order
// with subgroupShuffle — the order of every other matmul kernel, so the result is bit-for-bit
// theirs (batch invariance), while the k range is still spread over many invocations.
//
// Memory: at one step a subgroup's lanes read one vec4 of W each from rows K_CHUNK apart, and the
// workgroup's ITEMS subgroups read the neighbouring quads of the same rows (16 columns at 32 lanes:
// 32 bytes of bf16, one sector), so W is still read whole sectors at a time from L1 — unmeasured on
// a GPU so far (bench/decode-bandwidth.ts compares it with the split path).
//
// Nothing here assumes which invocations of a workgroup form a subgroup, or how large subgroups
// are (WebGPU does not promise either): each subgroup claims its items from a workgroup counter.
// A subgroup whose lanes are not all active (subgroupAdd(1) below subgroup_size) instead lets each
// of its lanes compute whole items alone, in the same order (SOLO forces that path, for its tests).
//
// Arrays declared in a loop body are initialised explicitly: lavapipe was seen not to re-zero a
// `var a: array<…>;` on each iteration, so an item's total started from the previous item's.
// Params, Step and the x, y bindings come from matmul_io.wgsl, prepended with the weight reader.
enable subgroups;

const WG: u32 = 128u;       // a multiple of every subgroup size WebGPU allows (4 … 128)
override ITEMS: u32 = 4u;   // items (column quads) per workgroup: WG / the adapter's smallest subgroup size
override SOLO: bool = false;

var<workgroup> next_item: atomic<u32>;

// Four columns of W at k: whole vec4s where they are aligned, else the `cols` that exist.
fn weight_quad(k: u32, n0: u32, n_len: u32, cols: u32) -> vec4f {
  if (cols == 4u && (n_len & 3u) == 0u) {
    return weight4_at(k * n_len + n0);
  }
  var w = vec4f(0.0);
  for (var j = 0u; j < cols; j++) {
    w[j] = weight_at(k * n_len + n0 + j);
  }
  return w;
}

// The sum of one chunk of k for the four columns of `n0` and each row.
fn chunk_sums(chunk: u32, n0: u32, cols: u32, rows: u32) -> array<vec4f, ROWS> {
  var part = array<vec4f, ROWS>();
  let k_len = params.k;
  let k0 = chunk * K_CHUNK;
  let k1 = min(k0 + K_CHUNK, k_len);
  for (var k = k0; k < k1; k++) {
    let w = weight_quad(k, n0, params.n, cols);
    for (var m = 0u; m < ROWS; m++) {
      if (m < rows) {
        part[m] = part[m] + x[m * k_len + k] * w;
      }
    }
  }
  return part;
}

fn write_row(m: u32, n0: u32, cols: u32, value: vec4f) {
  for (var j = 0u; j < cols; j++) {
    let index = m * params.y_stride + params.n_offset + n0 + j;
    if (params.accumulate != 0u) {
      y[index] += value[j];
    } else {
      y[index] = value[j];
    }
  }
}

@compute @workgroup_size(WG)
@diagnostic(off, subgroup_uniformity)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  let rows = min(step.rows, ROWS);
  let n_len = params.n;
  let chunks = (params.k + K_CHUNK - 1u) / K_CHUNK;
  let lanes = subgroupAdd(1u);
  if (lanes == size && !SOLO) {
    // A whole subgroup per item; every branch below depends only on subgroup-uniform values.
    loop {
      var claimed = 0u;
      if (lane == 0u) {
        claimed = atomicAdd(&next_item, 1u);
      }
      let item = subgroupBroadcast(claimed, 0u);
      let n0 = (wid.x * ITEMS + item) * 4u;
      if (item >= ITEMS || n0 >= n_len) {
        break;
      }
      let cols = min(4u, n_len - n0);
      var total = array<vec4f, ROWS>();
      for (var first = 0u; first < chunks; first += lanes) {
        var part = array<vec4f, ROWS>();
        if (first + lane < chunks) {
          part = chunk_sums(first + lane, n0, cols, rows);
        }
        let count = min(lanes, chunks - first);
        for (var j = 0u; j < count; j++) {
          for (var m = 0u; m < ROWS; m++) {
            total[m] = total[m] + subgroupShuffle(part[m], j);
          }
        }
      }
      for (var m = 0u; m < ROWS; m++) {
        if (m < rows && m % lanes == lane) {
          write_row(m, n0, cols, total[m]);
        }
      }
    }
  } else {
    // Lanes alone: each claims items and sums all their chunks itself.
    loop {
      let item = atomicAdd(&next_item, 1u);
      let n0 = (wid.x * ITEMS + item) * 4u;
      if (item >= ITEMS || n0 >= n_len) {
        break;
      }
      let cols = min(4u, n_len - n0);
      var total = array<vec4f, ROWS>();
      for (var chunk = 0u; chunk < chunks; chunk++) {
        let part = chunk_sums(chunk, n0, cols, rows);
        for (var m = 0u; m < ROWS; m++) {
          total[m] = total[m] + part[m];
        }
      }
      for (var m = 0u; m < rows; m++) {
        write_row(m, n0, cols, total[m]);
      }
    }
  }
}
