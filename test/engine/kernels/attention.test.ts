/**
 * shaders/attention.wgsl: causal grouped-query attention of each row's query over positions
 * 0..=position of its own cache slot, against a naive f64 softmax(q·Kᵀ / sqrt(d))·V.
 */
import { describe, it } from 'vitest';
import { expectIdentical, expectWithin, F32_UNIT_ROUNDOFF, gamma } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats } from '../../helpers/seeded-arrays.js';

const FILE = 'attention.wgsl';
/** Keys per block of the kernel's online softmax; lengths around multiples of it are the edge cases. */
const KEY_BLOCK = 64;
const u = F32_UNIT_ROUNDOFF;

const runner = await KernelRunner.forEachTest();

interface AttentionCase {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly slots: number;
  readonly maxLen: number;
  /** (slot, position) per row; rows from `rows` on are dispatched but past step.rows. */
  readonly meta: readonly (readonly [number, number])[];
  readonly rows: number;
  /** Queries are drawn from [-qScale, qScale]: larger values give peakier softmax distributions. */
  readonly qScale: number;
}

interface AttentionInputs {
  readonly q: Float32Array;
  readonly kCache: Float32Array;
  readonly vCache: Float32Array;
  /** Initial contents of the output buffer. */
  readonly out0: Float32Array;
}

function attentionInputs(c: AttentionCase, seed: string): AttentionInputs {
  const random = seededRandom(seed);
  const rowValues = c.meta.length * c.heads * c.headDim;
  const q = uniformFloats(random, rowValues, -c.qScale, c.qScale);
  // The whole cache is random, including positions after each row's own: a kernel that looks past
  // its position (not causal) or into another slot reads values that change the result.
  const cacheLength = c.slots * c.maxLen * c.kvHeads * c.headDim;
  const kCache = uniformFloats(random, cacheLength);
  const vCache = uniformFloats(random, cacheLength);
  return { q, kCache, vCache, out0: uniformFloats(random, rowValues, 10, 20) };
}

async function runAttention(c: AttentionCase, { q, kCache, vCache, out0 }: AttentionInputs): Promise<Float32Array> {
  const d = c.headDim;
  const scale = Math.fround(1 / Math.sqrt(d));
  const out = runner.storage(out0, 'out');
  await runner.dispatch(
    { file: FILE },
    [
      runner.uniform([{ u32: c.heads }, { u32: c.kvHeads }, { u32: d }, { u32: c.maxLen }, { f32: scale }]),
      runner.storage(q, 'q'),
      runner.storage(Uint32Array.from(c.meta.flat()), 'row meta'),
      runner.storage(kCache, 'k cache'),
      runner.storage(vCache, 'v cache'),
      out,
      runner.step(c.rows),
    ],
    [c.heads, c.meta.length, 1],
  );
  return runner.readFloat32(out, out0.length);
}

async function checkAttention(c: AttentionCase, seed: string): Promise<void> {
  const inputs = attentionInputs(c, seed);
  const { q, kCache, vCache, out0 } = inputs;
  const d = c.headDim;
  const group = c.heads / c.kvHeads;
  const scale = Math.fround(1 / Math.sqrt(d));
  const got = await runAttention(c, inputs);

  const expected = Float64Array.from(out0);
  const bound = new Float64Array(out0.length);
  for (let row = 0; row < c.rows; row += 1) {
    const [slot, position] = c.meta[row] as readonly [number, number];
    const keys = position + 1;
    const blocks = Math.ceil(keys / KEY_BLOCK);
    for (let h = 0; h < c.heads; h += 1) {
      const g = Math.floor(h / group);
      const qBase = (row * c.heads + h) * d;
      const keyBase = (j: number): number => ((slot * c.maxLen + j) * c.kvHeads + g) * d;
      const scores = new Float64Array(keys);
      const scoreErrors = new Float64Array(keys);
      for (let j = 0; j < keys; j += 1) {
        let dot = 0;
        let magnitude = 0;
        for (let i = 0; i < d; i += 1) {
          const term = (q[qBase + i] as number) * scale * (kCache[keyBase(j) + i] as number);
          dot += term;
          magnitude += Math.abs(term);
        }
        scores[j] = dot;
        // The kernel scales q in f32 (one rounding) and then takes a d-term dot product.
        scoreErrors[j] = gamma(d + 1) * magnitude;
      }
      const max = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - max));
      const total = weights.reduce((a, b) => a + b, 0);
      // Error bound, derived from the kernel's f32 steps:
      // - each weight exp(s_j − max) is perturbed relatively by its score error plus (6 + 5|s_j − max|)u
      //   (rounding of the difference, WGSL exp's 3 + 2|x| ULP); the per-block rescaling factors multiply
      //   numerator and denominator alike and cancel. Relative perturbations ε_j of the weights move a
      //   weighted mean of v by at most 2·max|v|·Σ w_j ε_j / Σ w_j;
      // - the numerator Σ p·v accumulates keys + 2·blocks roundings (γ on Σ w|v| / Σ w), the
      //   denominator a 64-wide tree plus the rescalings (γ_{6 + 2·blocks}), the final division 2.5 ULP.
      let weightedError = 0;
      for (let j = 0; j < keys; j += 1) {
        weightedError += (weights[j] as number) * ((scoreErrors[j] as number) + (6 + 5 * Math.abs((scores[j] as number) - max)) * u);
      }
      weightedError /= total;
      for (let i = 0; i < d; i += 1) {
        let sum = 0;
        let magnitude = 0;
        let largest = 0;
        for (let j = 0; j < keys; j += 1) {
          const v = vCache[keyBase(j) + i] as number;
          sum += (weights[j] as number) * v;
          magnitude += (weights[j] as number) * Math.abs(v);
          largest = Math.max(largest, Math.abs(v));
        }
        const index = (row * c.heads + h) * d + i;
        const value = sum / total;
        expected[index] = value;
        bound[index] = 2 * largest * weightedError + gamma(keys + 2 * blocks + 1) * (magnitude / total) + (gamma(6 + 2 * blocks) + 5 * u) * Math.abs(value);
      }
    }
  }
  // Rows past step.rows: bound 0 against their initial contents (untouched).
  expectWithin(got, expected, (i) => bound[i] as number, `attention ${JSON.stringify({ ...c, meta: c.meta.slice(0, c.rows) })}`);
}

// Rows in three slots whose key counts (position + 1) are 1, 63, 64, 65 and 200: a single key, one
// short of a block, exactly one block, one past it, and several blocks with a partial last one.
// Two more rows past step.rows check that nothing is written for them.
const META: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 62],
  [2, 63],
  [0, 64],
  [1, 199],
  [2, 5],
  [0, 100],
];
const ROWS = 5;
const MAX_LEN = 203;

describe('attention', () => {
  it.each([16, 64, 128, 256])('causal GQA over the cache, head_dim %i (4 heads, 2 KV heads)', async (headDim) => {
    await checkAttention({ heads: 4, kvHeads: 2, headDim, slots: 3, maxLen: MAX_LEN, meta: META, rows: ROWS, qScale: 4 }, `attention ${headDim}`);
  });

  it.each([
    { heads: 3, kvHeads: 3, headDim: 64 },
    { heads: 8, kvHeads: 1, headDim: 32 },
    { heads: 6, kvHeads: 2, headDim: 2 },
  ])('group sizes: $heads heads over $kvHeads KV heads, head_dim $headDim', async ({ heads, kvHeads, headDim }) => {
    await checkAttention({ heads, kvHeads, headDim, slots: 3, maxLen: MAX_LEN, meta: META, rows: ROWS, qScale: 4 }, `attention groups ${heads} ${kvHeads}`);
  });

  it('peaked distributions: large scores, max moving between key blocks', async () => {
    // Scores spread over tens of units, so the running max changes from block to block and the
    // online-softmax rescaling carries the result.
    await checkAttention({ heads: 2, kvHeads: 1, headDim: 64, slots: 3, maxLen: MAX_LEN, meta: META, rows: ROWS, qScale: 40 }, 'attention peaked');
  });

  it('gives each row the same bits alone (decode) as in a batch of rows (prefill): batch invariance', async () => {
    const c: AttentionCase = { heads: 4, kvHeads: 2, headDim: 64, slots: 3, maxLen: MAX_LEN, meta: META.slice(0, ROWS), rows: ROWS, qScale: 4 };
    const inputs = attentionInputs(c, 'attention batch');
    const batch = await runAttention(c, inputs);
    const rowValues = c.heads * c.headDim;
    for (let r = 0; r < ROWS; r += 1) {
      const alone: AttentionCase = { ...c, meta: [c.meta[r] as readonly [number, number]], rows: 1 };
      const slice = (values: Float32Array): Float32Array => values.slice(r * rowValues, (r + 1) * rowValues);
      const got = await runAttention(alone, { ...inputs, q: slice(inputs.q), out0: slice(inputs.out0) });
      expectIdentical(got, batch.subarray(r * rowValues, (r + 1) * rowValues), `row ${r} alone vs in the batch`);
    }
  });

  it('one row (decode step) at position 130', async () => {
    await checkAttention({ heads: 4, kvHeads: 2, headDim: 128, slots: 2, maxLen: 131, meta: [[1, 130]], rows: 1, qScale: 4 }, 'attention decode');
  });
});
