/**
 * Long contexts through the whole model on a generated tiny model (engine/random-weights.ts): the
 * tiled prefill attention against the original per-row kernel past several 256-key segments, and
 * split-K decode continuing a long prefill bit for bit. (32k keys per row are covered at kernel
 * level in kernels/attention-tiled.test.ts; a 32k-token prefill of the whole model is
 * bench/long-context.ts, too slow for a test on software Vulkan.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { InternLM2Model, type ForwardRow, type Pick } from '../../../engine/model/model.js';
import { MODEL_SHAPES } from '../../../engine/model/model-shapes.js';
import { randomWeights } from '../../../engine/model/random-weights.js';
import { seededRandom, uniformIntegers } from '../../helpers/seeded-arrays.js';

const config = MODEL_SHAPES.tiny;
const LENGTH = 1100;

function rowsOf(tokens: Uint32Array, start: number, end: number): ForwardRow[] {
  const rows: ForwardRow[] = [];
  for (let p = start; p < end; p += 1) rows.push({ token: tokens[p] as number, slot: 0, position: p, ropeBase: config.ropeTheta });
  return rows;
}

function picksOf(tokens: Uint32Array, count: number, firstPosition: number): Pick[] {
  return Array.from({ length: count }, (_, row) => ({ row, target: tokens[firstPosition + row + 1] }));
}

describe('long context on a generated tiny model', () => {
  let tiled: InternLM2Model;
  let perRow: InternLM2Model;
  const tokens = uniformIntegers(seededRandom('long context tokens'), LENGTH + 1, config.vocabSize);

  beforeAll(async () => {
    const context = await sharedDevice();
    tiled = await InternLM2Model.fromWeights(context, config, await randomWeights(context, config, { format: 'f32', seed: 7 }), { attention: 'blocked' });
    perRow = await InternLM2Model.fromWeights(context, config, await randomWeights(context, config, { format: 'f32', seed: 7 }), { attention: 'per-row' });
    await tiled.ensureKvCache(1, LENGTH);
    await perRow.ensureKvCache(1, LENGTH);
  });
  afterAll(() => {
    tiled?.dispose();
    perRow?.dispose();
  });

  it(`tiled prefill matches the per-row kernel over ${LENGTH} tokens: exactly within one segment, to 1e-5 beyond`, async () => {
    const rows = rowsOf(tokens, 0, LENGTH);
    const picks = picksOf(tokens, LENGTH, 0);
    const a = (await tiled.forward(rows, picks)).picks.map((p) => p.targetLogprob);
    const b = (await perRow.forward(rows, picks)).picks.map((p) => p.targetLogprob);
    expect(a.every(Number.isFinite)).toBe(true);
    // Below 256 keys the kernels do the same operations in the same order.
    expect(a.slice(0, 256)).toEqual(b.slice(0, 256));
    // Past it the tiled kernel merges 256-key segments (a different f32 summation of the same
    // softmax): differences stay at f32 rounding, far below the fixtures' 1e-3 bound.
    let worst = 0;
    a.forEach((value, i) => {
      worst = Math.max(worst, Math.abs(value - (b[i] as number)));
    });
    expect(worst).toBeLessThan(1e-5);
    // Attention past the first segments matters: the per-position log-probs are not all alike.
    expect(new Set(a.slice(256).map((v) => v.toFixed(3))).size).toBeGreaterThan(50);
  }, 120_000);

  it('an f16 KV cache stays within f16 rounding of the f32 cache, and decode still equals prefill bit for bit', async () => {
    const context = await sharedDevice();
    if (!context.hasShaderF16) return; // the option is refused without shader-f16 (memory-plan.test.ts)
    const half = await InternLM2Model.fromWeights(context, config, await randomWeights(context, config, { format: 'f32', seed: 7 }), { kvCache: 'f16' });
    try {
      await half.ensureKvCache(1, LENGTH);
      const rows = rowsOf(tokens, 0, LENGTH);
      const picks = picksOf(tokens, LENGTH, 0);
      const a = (await half.forward(rows, picks)).picks.map((p) => p.targetLogprob);
      const b = (await tiled.forward(rows, picks)).picks.map((p) => p.targetLogprob);
      let worst = 0;
      a.forEach((value, i) => {
        worst = Math.max(worst, Math.abs(value - (b[i] as number)));
      });
      // Keys and values round to f16 (relative 2^-11): log-probs move by ~1e-3, not more; the
      // fixtures' 1e-3 bound is why the f16 cache is opt-in.
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(5e-3); // observed 9.2e-4 on lavapipe
      await half.forward(rowsOf(tokens, 0, LENGTH - 2), []);
      const decoded: number[] = [];
      for (let p = LENGTH - 2; p < LENGTH; p += 1) {
        const [result] = (await half.forward(rowsOf(tokens, p, p + 1), [{ row: 0, target: tokens[p + 1] }])).picks;
        decoded.push(result?.targetLogprob ?? Number.NaN);
      }
      expect(decoded).toEqual(a.slice(LENGTH - 2));
      process.stdout.write(`f16 KV cache: worst |Δ log-prob| ${worst.toExponential(2)} over ${LENGTH} tokens\n`);
    } finally {
      half.dispose();
    }
  }, 120_000);

  it('split-K decode after a long prefill gives the full prefill’s log-probs bit for bit', async () => {
    const prefill = LENGTH - 6;
    const full = (await tiled.forward(rowsOf(tokens, 0, LENGTH), picksOf(tokens, LENGTH, 0))).picks.map((p) => p.targetLogprob);
    await tiled.forward(rowsOf(tokens, 0, prefill), []);
    const decoded: number[] = [];
    for (let p = prefill; p < LENGTH; p += 1) {
      const [result] = (await tiled.forward(rowsOf(tokens, p, p + 1), [{ row: 0, target: tokens[p + 1] }])).picks;
      decoded.push(result?.targetLogprob ?? Number.NaN);
    }
    expect(decoded).toEqual(full.slice(prefill));
  }, 120_000);
});
