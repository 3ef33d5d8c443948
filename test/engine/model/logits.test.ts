/**
 * Full logits rows against the fixtures' float64 reference (through the model's pick path with
 * logits read back), in f32 and — where the adapter has shader-f16 — with f16 weights.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { sharedDevice } from '../../../engine/gpu/device.js';
import type { WeightFormatChoice } from '../../../engine/gpu/gpu-tensor.js';
import type { KernelFamily } from '../../../engine/model/kernel-family.js';
import { InternLM2Model } from '../../../engine/model/model.js';
import { ropeBase } from '../../../engine/model/rope.js';
import { FIXTURE_NAMES, readGolden } from '../../helpers/golden.js';
import { fixtureDir, type FixtureName } from '../../helpers/internlm2-fixtures.js';

const models: InternLM2Model[] = [];
afterAll(() => {
  for (const model of models) model.dispose();
});

async function goldenLogits(name: FixtureName, weightFormat: WeightFormatChoice): Promise<{ worst: number; scale: number }> {
  const golden = readGolden(name);
  const checkpoint = await openCheckpoint(fixtureDir(name));
  const model = await InternLM2Model.load(await sharedDevice(), checkpoint, { weightFormat });
  models.push(model);
  const ids = golden.input_ids;
  await model.ensureKvCache(1, ids.length);
  const base = ropeBase(checkpoint.config, ids.length);
  const positions = Object.keys(golden.logits_rows).map(Number);
  const result = await model.forward(
    ids.map((token, position) => ({ token, slot: 0, position, ropeBase: base })),
    positions.map((row) => ({ row, target: undefined })),
    true,
  );
  let worst = 0;
  let scale = 0;
  positions.forEach((position, i) => {
    const expected = golden.logits_rows[String(position)] ?? [];
    const got = result.logits?.[i] ?? new Float32Array();
    expect(got.length).toBe(expected.length);
    expected.forEach((value, v) => {
      worst = Math.max(worst, Math.abs((got[v] ?? Number.NaN) - value));
      scale = Math.max(scale, Math.abs(value));
    });
    // The argmax read back with the row must be the row's true argmax.
    expect(result.picks[i]?.argmax).toBe(expected.indexOf(Math.max(...expected)));
  });
  return { worst, scale };
}

describe.each(FIXTURE_NAMES)('logits rows: %s', (name) => {
  it('match the reference within 1e-3 (f32 compute)', async () => {
    const { worst } = await goldenLogits(name, 'native');
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('f16 weights', () => {
  it('stay within the f16 rounding bound on tiny-fp32', async ({ skip }) => {
    if (!(await sharedDevice()).hasShaderF16) skip('adapter has no shader-f16');
    const { worst, scale } = await goldenLogits('tiny-fp32', 'f16');
    // Rounding each weight to f16 perturbs it by at most 2^-11 relative; through 2 layers, the norm
    // and the output head the logits (|logit| ≤ scale) move by a few times 2^-11 · scale. The bound
    // 8 · 2^-11 · scale (≈ 1.6e-2 for scale ≈ 4) is that estimate with a 2× margin; the README of the
    // fixtures expects about 1e-2 in float16.
    expect(worst).toBeLessThan(8 * 2 ** -11 * scale);
    expect(worst).toBeGreaterThan(0); // the f16 path really ran
  });
});

describe('tensors larger than the binding limit', () => {
  it('are split into row chunks transparently (same logits as unsplit)', async () => {
    const golden = readGolden('tiny-bf16-sharded');
    const checkpoint = await openCheckpoint(fixtureDir('tiny-bf16-sharded'));
    const context = await sharedDevice();
    const ids = golden.input_ids.slice(0, 30);
    const run = async (maxBindingBytes?: number) => {
      const model = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', ...(maxBindingBytes ? { maxBindingBytes } : {}) });
      models.push(model);
      await model.ensureKvCache(1, ids.length);
      const base = ropeBase(checkpoint.config, ids.length);
      const result = await model.forward(ids.map((token, position) => ({ token, slot: 0, position, ropeBase: base })), [{ row: 29, target: ids[5] }], true);
      return { model, result };
    };
    const whole = await run();
    // 4 KiB bindings: the 384×64 bf16 embedding and output head (48 KiB each) split into 12+ chunks,
    // the 176-wide feed-forward matrices into several, and the forward runs in small row chunks.
    const split = await run(4096);
    expect(split.model.weights.output.chunks.length).toBeGreaterThanOrEqual(12);
    expect(split.model.weights.embed.chunks.length).toBeGreaterThanOrEqual(12);
    // w1 stacked over w3 (176 rows each): a chunk of 32 bf16 rows holds both tensors' rows.
    const inter = checkpoint.config.intermediateSize;
    const w13 = split.model.weights.layers[0]?.w13;
    expect(w13?.rows).toBe(2 * inter);
    expect(w13?.chunks.some((chunk) => chunk.rowStart < inter && chunk.rowStart + chunk.rowCount > inter)).toBe(true);
    expect(split.model.chunkRows).toBeLessThan(ids.length);
    expect(Array.from(split.result.logits?.[0] ?? [])).toEqual(Array.from(whole.result.logits?.[0] ?? []));
    expect(split.result.picks).toEqual(whole.result.picks);
  });
});

describe('matmul kernel families (engine/matmul-plan.ts)', () => {
  it.each(['tiny-fp32', 'tiny-bf16-sharded'] as const)('give bit-identical logits on %s for every row-count path', async (name) => {
    const golden = readGolden(name);
    const checkpoint = await openCheckpoint(fixtureDir(name));
    const context = await sharedDevice();
    // 1 row (decode), 5 and 12 (small batches), 40 (prefill): each family has a kernel per range.
    const lengths = [1, 5, 12, 40];
    const logits = async (kernels: KernelFamily, subgroups = true): Promise<number[][]> => {
      const model = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', kernels, subgroups });
      models.push(model);
      const rows: number[][] = [];
      for (const length of lengths) {
        const ids = golden.input_ids.slice(0, length);
        await model.ensureKvCache(1, length);
        const base = ropeBase(checkpoint.config, length);
        const result = await model.forward(ids.map((token, position) => ({ token, slot: 0, position, ropeBase: base })), [{ row: length - 1, target: undefined }], true);
        rows.push(Array.from(result.logits?.[0] ?? []));
      }
      return rows;
    };
    // 'gpu' without subgroups decodes through matvec.wgsl + matmul_fold.wgsl; with them (where the
    // adapter has subgroups, as lavapipe does) through matvec_subgroup.wgsl.
    const tiles = await logits('gpu', false);
    const blocks = await logits('cpu');
    expect(golden.input_ids.length).toBeGreaterThanOrEqual(40);
    expect(tiles.every((row) => row.length === checkpoint.config.vocabSize)).toBe(true);
    expect(blocks).toEqual(tiles);
    if (context.hasSubgroups) expect(await logits('gpu')).toEqual(tiles);
  });
});
