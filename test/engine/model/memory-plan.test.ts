/**
 * The memory plan: what a request needs (weights + KV cache + activations), refusals with a
 * UserError naming what would fit, the --gpu-memory budget parser, and the model refusing up front.
 */
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { UserError } from '../../../engine/errors.js';
import { kvCacheBytes, parseMemorySize, planMemory, positionsThatFit, slotsThatFit } from '../../../engine/model/memory-plan.js';
import { MAX_PARTIALS_BYTES } from '../../../engine/model/matmul-plan.js';
import { activationBytes, InternLM2Model } from '../../../engine/model/model.js';
import { MODEL_SHAPES } from '../../../engine/model/model-shapes.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

const GIB = 2 ** 30;
const big = MODEL_SHAPES['1.8b'];
// bf16 matrices (2 bytes) and f32 norms, as weights.ts uploads them.
const weightBytes18b = 2 * (2 * big.vocabSize * big.hiddenSize + big.layers * (big.hiddenSize * (big.heads + 2 * big.kvHeads) * big.headDim + big.hiddenSize * big.hiddenSize + 3 * big.hiddenSize * big.intermediateSize));
const h100Binding = 2 ** 31 - 1;

describe('memory plan for the 1.8B shape', () => {
  const request = (slots: number, maxLen: number, budgetGib: number, binding = h100Binding) => ({
    config: big,
    weightBytes: weightBytes18b,
    // The GPU family's matmul scratch at its cap (an adapter without subgroups).
    activationBytes: activationBytes(big, 512, 256, maxLen, MAX_PARTIALS_BYTES),
    slots,
    maxLen,
    budget: { bytes: budgetGib * GIB, source: 'test' },
    maxBindingBytes: binding,
  });

  it('fits a 32k-token sequence in an 80 GiB GPU, with the KV cache at 192 KiB per token (f32)', () => {
    const plan = planMemory(request(1, 32768, 80));
    expect(kvCacheBytes(big, 1, 1)).toBe(24 * 2 * 8 * 128 * 4);
    // The f16 cache option halves it: 96 KiB per token, 3 GiB at 32k.
    expect(kvCacheBytes(big, 1, 32768, 2)).toBe(3 * GIB);
    expect(plan.kvCache).toBe(6 * GIB);
    expect(plan.weights / GIB).toBeCloseTo(3.52, 2);
    expect(plan.total).toBeLessThan(11 * GIB);
  });

  it('refuses 14 sequences of 32k tokens in 80 GiB, saying how many fit', () => {
    expect(() => planMemory(request(14, 32768, 80))).toThrow(UserError);
    expect(() => planMemory(request(14, 32768, 80))).toThrow(/14 sequence\(s\) of 32768 tokens need .* more than the budget of 80\.00 GiB.*12 sequence\(s\) of 32768 tokens fit/);
    expect(slotsThatFit(request(14, 32768, 80))).toBe(12);
    // 16 would also overflow a 2 GiB storage binding per layer: that is said first.
    expect(() => planMemory(request(16, 32768, 80))).toThrow(/per layer .* storage binding limit/);
  });

  it('refuses a KV layer larger than a storage binding (lavapipe: 128 MiB)', () => {
    expect(() => planMemory(request(2, 32768, 80, 128 * 2 ** 20))).toThrow(/per layer .* storage binding limit/);
    expect(positionsThatFit({ ...request(1, 1, 80, 128 * 2 ** 20) })).toBe(32768);
  });

  it('parses --gpu-memory sizes and rejects nonsense', () => {
    expect(parseMemorySize('80', 'x')).toBe(80 * GIB);
    expect(parseMemorySize('7.5GiB', 'x')).toBe(7.5 * GIB);
    expect(parseMemorySize('512MiB', 'x')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('24GB', 'x')).toBe(24e9);
    expect(() => parseMemorySize('lots', '--gpu-memory')).toThrow(UserError);
    expect(() => parseMemorySize('0', '--gpu-memory')).toThrow(UserError);
  });
});

describe('the model refuses up front', () => {
  it('refuses to load when weights alone exceed the budget', async () => {
    const context = await sharedDevice();
    const checkpoint = await openCheckpoint(fixtureDir('tiny-fp32'));
    await expect(InternLM2Model.load(context, checkpoint, { weightFormat: 'native', gpuMemory: '0.1MiB' })).rejects.toThrow(/needs .* before any KV cache .* more than the budget of 0\.1 MiB from --gpu-memory 0\.1MiB/);
  });

  it('refuses a KV cache over budget before allocating it, and reports what fits', async () => {
    const context = await sharedDevice();
    const model = await InternLM2Model.load(context, await openCheckpoint(fixtureDir('tiny-fp32')), { weightFormat: 'native', gpuMemory: '64MiB' });
    try {
      // tiny-fp32: 2 layers × (K, V) × 2 KV heads × 16 × 4 bytes = 512 bytes per position and sequence.
      await expect(model.ensureKvCache(64, 4096)).rejects.toThrow(UserError);
      expect(model.kvCapacity).toEqual({ slots: 0, maxLen: 0 });
      const fit = model.kvSlotsThatFit(4096);
      expect(fit).toBeGreaterThan(0);
      expect(fit).toBeLessThan(64);
      await model.ensureKvCache(fit, 4096);
      expect(model.kvCapacity).toEqual({ slots: fit, maxLen: 4096 });
    } finally {
      model.dispose();
    }
  });

  it('counts the matmul chunk-sum scratch only for the kernels that use it', async () => {
    const context = await sharedDevice();
    const checkpoint = await openCheckpoint(fixtureDir('tiny-fp32'));
    const activations = async (options: { kernels: 'gpu' | 'cpu'; subgroups?: boolean }): Promise<number> => {
      const model = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', ...options });
      try {
        return model.planFor(1, 64).activations;
      } finally {
        model.dispose();
      }
    };
    const cpu = await activations({ kernels: 'cpu' });
    // tiny-fp32's largest W chunk is the 384×64 output head: 1 chunk of k, 16 rows, 384 columns, f32.
    const split = await activations({ kernels: 'gpu', subgroups: false });
    expect(split - cpu).toBe(1 * 16 * 384 * 4);
    if (context.hasSubgroups) expect(await activations({ kernels: 'gpu' })).toBe(cpu);
  });
});
