/**
 * shaders/logsoftmax.wgsl: per logits row, [log p(target), argmax (lowest index among ties), max,
 * log-sum-exp], against an f64 reference.
 */
import { describe, expect, it } from 'vitest';
import { expectIdentical, expectWithin, F32_UNIT_ROUNDOFF, gamma } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats, uniformIntegers } from '../../helpers/seeded-arrays.js';

const FILE = 'logsoftmax.wgsl';
const NO_TARGET = 0xffffffff;
const EXTRA_ROWS = 2;
const u = F32_UNIT_ROUNDOFF;

const runner = await KernelRunner.forEachTest();

interface RowResult {
  readonly targetLogprob: number;
  readonly argmax: number;
  readonly max: number;
  readonly logSumExp: number;
}

/** Runs the kernel; rows past `rows` are dispatched too and must leave their result words alone. */
async function runLogSoftmax(logits: Float32Array, vocab: number, targets: Uint32Array, rows: number): Promise<RowResult[]> {
  const allocatedRows = logits.length / vocab;
  const sentinel = new Uint32Array(allocatedRows * 4).fill(0xdeadbeef);
  const result = runner.storage(sentinel, 'result');
  await runner.dispatch(
    { file: FILE },
    [runner.uniform([{ u32: vocab }]), runner.storage(logits, 'logits'), runner.storage(targets, 'targets'), result, runner.step(rows)],
    [allocatedRows, 1, 1],
  );
  const words = await runner.readUint32(result, sentinel.length);
  expectIdentical(words.subarray(rows * 4), sentinel.subarray(rows * 4), 'result words of rows past step.rows');
  const floats = new Float32Array(words.buffer);
  return Array.from({ length: rows }, (_, r) => ({
    targetLogprob: floats[4 * r] as number,
    argmax: words[4 * r + 1] as number,
    max: floats[4 * r + 2] as number,
    logSumExp: floats[4 * r + 3] as number,
  }));
}

/** f64 reference and the error bound of the kernel's f32 log-sum-exp for one row. */
function reference(row: Float32Array, target: number): RowResult & { bound: number } {
  let max = -Infinity;
  let argmax = 0;
  row.forEach((v, i) => {
    if (v > max) {
      max = v;
      argmax = i;
    }
  });
  let sum = 0;
  let range = 0;
  for (const v of row) {
    sum += Math.exp(v - max);
    range = Math.max(range, max - v);
  }
  const logSumExp = max + Math.log(sum);
  // Bound on the kernel's lse: each exp(l - max) is off by ≤ (6 + 5|l - max|)u relative (rounding
  // of the difference, then WGSL exp's 3 + 2|x| ULP); the sum of positive terms adds γ_vocab; log
  // (of a sum ≥ 1) is within 2^-21 absolute or 3 ULP; the final add and the target's subtraction
  // round once each.
  const sumRelative = (6 + 5 * range) * u + gamma(row.length);
  const bound = sumRelative + 2 ** -21 + 6 * u * Math.log(sum) + 2 * u * (Math.abs(logSumExp) + Math.abs(max));
  const targetLogprob = target < row.length ? (row[target] as number) - logSumExp : 0;
  return { targetLogprob, argmax, max, logSumExp, bound };
}

async function checkRows(logits: Float32Array, vocab: number, targets: Uint32Array, rows: number, what: string): Promise<void> {
  const got = await runLogSoftmax(logits, vocab, targets, rows);
  const expected = got.map((_, r) => reference(logits.subarray(r * vocab, (r + 1) * vocab), targets[r] as number));
  expect(got.map((g) => g.argmax), `${what}: argmax`).toEqual(expected.map((e) => e.argmax));
  expect(got.map((g) => g.max), `${what}: max logit (exact)`).toEqual(expected.map((e) => e.max));
  expectWithin(got.map((g) => g.logSumExp), expected.map((e) => e.logSumExp), (r) => expected[r]?.bound ?? 0, `${what}: log-sum-exp`);
  // No target (or one outside the vocabulary) must give exactly 0.
  expectWithin(
    got.map((g) => g.targetLogprob),
    expected.map((e) => e.targetLogprob),
    (r) => ((targets[r] as number) < vocab ? (expected[r]?.bound ?? 0) : 0),
    `${what}: target log-prob`,
  );
}

describe('logsoftmax', () => {
  it.each([
    { rows: 1, vocab: 1 },
    { rows: 3, vocab: 3 },
    { rows: 7, vocab: 257 },
    { rows: 3, vocab: 1000 },
    { rows: 2, vocab: 4099 },
  ])('rows $rows × vocab $vocab', async ({ rows, vocab }) => {
    const random = seededRandom(`logsoftmax ${rows} ${vocab}`);
    const allocatedRows = rows + EXTRA_ROWS;
    const logits = uniformFloats(random, allocatedRows * vocab, -12, 12);
    const targets = uniformIntegers(random, allocatedRows, vocab);
    if (rows > 1) targets[1] = NO_TARGET;
    if (rows > 2) targets[2] = vocab; // out of range: treated as no target
    await checkRows(logits, vocab, targets, rows, `vocab ${vocab}`);
  });

  it('breaks argmax ties toward the lowest index, within and across invocations', async () => {
    const vocab = 1000;
    const rows = 4;
    const random = seededRandom('logsoftmax ties');
    const logits = uniformFloats(random, (rows + EXTRA_ROWS) * vocab, -5, 5);
    const plant = (row: number, indices: readonly number[], value: number): void => {
      for (const i of indices) logits[row * vocab + i] = value;
    };
    plant(0, [700, 261, 5], 9); // 5 and 261 fall to the same invocation (stride 256), 700 to another
    plant(1, [999, 300], 9); // ties in two invocations, the lower index second in memory order
    plant(2, [257, 1, 513], 9);
    logits.fill(0.25, 3 * vocab, 4 * vocab); // a flat row: every index ties, 0 wins
    const targets = new Uint32Array([5, 300, NO_TARGET, 999, 0, 0]);
    await checkRows(logits, vocab, targets, rows, 'ties');
    const got = await runLogSoftmax(logits, vocab, targets, rows);
    expect(got.map((g) => g.argmax)).toEqual([5, 300, 1, 0]);
  });

  it('handles a row whose maximum sits at the last index and a wide logit range', async () => {
    const vocab = 257;
    const logits = new Float32Array(vocab).map((_, i) => -80 + (i * 100) / (vocab - 1));
    await checkRows(logits, vocab, new Uint32Array([0]), 1, 'wide range');
  });

  it('gives each row the same bits alone as in a batch of 7 (batch invariance)', async () => {
    const random = seededRandom('logsoftmax batch');
    const [rows, vocab] = [7, 1000];
    const logits = uniformFloats(random, rows * vocab, -12, 12);
    const targets = uniformIntegers(random, rows, vocab);
    const batch = await runLogSoftmax(logits, vocab, targets, rows);
    for (let r = 0; r < rows; r += 1) {
      const [alone] = await runLogSoftmax(logits.slice(r * vocab, (r + 1) * vocab), vocab, targets.slice(r, r + 1), 1);
      // toEqual on numbers compares f32 values exactly (bit-identical apart from ±0, which cannot occur here).
      expect(alone, `row ${r} alone vs in the batch`).toEqual(batch[r]);
    }
  });
});
