/**
 * `harness doctor --model DIR`: what loading a checkpoint would need, from config.json alone, checked
 * against hand computation for internlm2-chat-1_8b's real config, and against what the loader
 * really allocates for a fixture checkpoint (weights, row chunks of split tensors, forward chunk rows).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import doctorCommand from '../../harness/commands/doctor.js';
import { openCheckpoint } from '../../engine/checkpoint/checkpoint.js';
import { parseConfig } from '../../engine/checkpoint/config.js';
import { sharedDevice } from '../../engine/gpu/device.js';
import { planLoad, type LoadPlanRequest, type PlanAdapter } from '../../engine/model/load-plan.js';
import { activationBytes, rowLimits } from '../../engine/model/activations.js';
import { planMemory } from '../../engine/model/memory-plan.js';
import { InternLM2Model } from '../../engine/model/model.js';
import { fixtureDir, makeTempFolder, removeTempFolder } from '../helpers/internlm2-fixtures.js';
import { INTERNLM2_RELEASE_DIR } from '../helpers/shared-data.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const configFile = join(INTERNLM2_RELEASE_DIR, 'config.json');
const config = parseConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile);

/** Software Vulkan's limits (lavapipe: 128 MiB bindings), the CPU kernel family. */
const lavapipe: PlanAdapter = { hasShaderF16: true, maxBindingBytes: 128 * MIB, kernels: 'cpu', subgroupMinSize: 0 };
const request = (overrides: Partial<LoadPlanRequest> = {}): LoadPlanRequest => ({
  config,
  storedDtype: 'BF16',
  adapter: lavapipe,
  budget: { bytes: 16 * GIB, source: 'test' },
  weights: 'native',
  kvCache: 'f32',
  ...overrides,
});

describe('the load plan of internlm2-chat-1_8b (real config.json), by hand', () => {
  // 2048 hidden, 24 layers, 16 heads and 8 KV heads of 128, 8192 intermediate, 92544 vocabulary.
  const embedding = 92544 * 2048;
  const perLayer = (16 + 2 * 8) * 128 * 2048 /* wqkv */ + 2048 * 2048 /* wo */ + 3 * 8192 * 2048 /* w1, w3, w2 */ + 2 * 2048; /* norms */
  const parameters = 2 * embedding + 24 * perLayer + 2048;
  const normValues = 24 * 2 * 2048 + 2048;

  it('counts 1,889,110,016 parameters and the weight bytes of each --weights format', () => {
    const plan = planLoad(request());
    expect(parameters).toBe(1_889_110_016);
    expect(plan.parameters).toBe(parameters);
    // Matrices in the format, norm gains always f32.
    expect(plan.weightBytes.native).toEqual({ format: 'bf16', bytes: (parameters - normValues) * 2 + normValues * 4 });
    expect(plan.weightBytes.native?.bytes).toBe(3_778_420_736);
    expect(plan.weightBytes.f32).toEqual({ format: 'f32', bytes: parameters * 4 });
    expect(plan.weightBytes.f16).toEqual({ format: 'f16', bytes: (parameters - normValues) * 2 + normValues * 4 });
    expect(planLoad(request({ adapter: { ...lavapipe, hasShaderF16: false } })).weightBytes.f16).toBeUndefined();
    // What the loader would refuse, the plan refuses the same way.
    expect(() => planLoad(request({ weights: 'f16', adapter: { ...lavapipe, hasShaderF16: false } }))).toThrow(/--weights f16 needs the adapter feature shader-f16/);
    expect(() => planLoad(request({ kvCache: 'f16', adapter: { ...lavapipe, hasShaderF16: false } }))).toThrow(/an f16 KV cache needs the adapter feature shader-f16/);
  });

  it('plans the KV cache at 24 layers × 8 KV heads × 128 × 2 (K, V) × 4 bytes = 196,608 bytes per token in f32', () => {
    const plan = planLoad(request());
    expect(plan.kvBytesPerToken.f32).toBe(24 * 8 * 128 * 2 * 4);
    expect(plan.kvBytesPerToken.f32).toBe(196_608);
    expect(plan.kvBytesPerToken.f16).toBe(98_304);
  });

  it('chunks the forward pass so every activation buffer fits a binding', () => {
    const plan = planLoad(request());
    // Widest row: w1 x over w3 x, 2 × 8192 f32 = 64 KiB; 128 MiB holds 2048 such rows, the default cap is 512.
    expect(plan.chunkRows).toBe(512);
    // Scored rows: 256 at most (128 MiB / (92544 × 4 B) = 362 rows of logits would fit).
    expect(plan.pickRows).toBe(256);
    expect(plan.activationBytesBase).toBe(activationBytes(config, 512, 256, 0, 0));
    expect(plan.activationBytesPerPosition).toBeGreaterThan(0);
  });

  it('on software Vulkan, the KV binding limits one sequence to 32,768 tokens: 128 MiB / (8 × 128 × 4 B)', () => {
    const plan = planLoad(request());
    expect(plan.longestContext).toBe(32768);
    expect(plan.limitedBy).toBe('binding');
    // Two slots in one binding: half as long.
    expect(plan.longestContextWithPrefixCache).toBe(16384);
    expect(planLoad(request({ kvCache: 'f16' })).longestContext).toBe(65536);
  });

  it('with a budget of 5 GiB, the longest context is the one the engine\'s memory plan accepts and one more it refuses', () => {
    const budget = { bytes: 5 * GIB, source: 'test' };
    const plan = planLoad(request({ budget, adapter: { ...lavapipe, maxBindingBytes: 2 * GIB } }));
    expect(plan.limitedBy).toBe('budget');
    const memoryRequest = (maxLen: number) => ({
      config, weightBytes: plan.weightBytes.native!.bytes, activationBytes: activationBytes(config, plan.chunkRows, plan.pickRows, maxLen, 0),
      slots: 1, maxLen, budget, maxBindingBytes: 2 * GIB,
    });
    expect(() => planMemory(memoryRequest(plan.longestContext))).not.toThrow();
    expect(() => planMemory(memoryRequest(plan.longestContext + 1))).toThrow(/more than the budget/);
    // By hand: (5 GiB − 3.52 GiB of weights − activations) / (192 KiB of KV + activations per token) ≈ 7.2k tokens.
    expect(plan.longestContext).toBeGreaterThan(7000);
    expect(plan.longestContext).toBeLessThan(7500);
  });

  it('splits the 92,544-row embedding and output head into 3 chunks of 32,768 bf16 rows (128 MiB) on software Vulkan, none on a 2 GiB binding', () => {
    const plan = planLoad(request());
    expect(plan.splitMatrices.map((m) => [m.name, m.chunks, m.rowsPerChunk])).toEqual([
      ['model.tok_embeddings.weight', 3, 32768],
      ['output.weight', 3, 32768],
    ]);
    expect(32768 * 2048 * 2).toBe(128 * MIB);
    // In f32 the rows are twice as wide: 16,384 rows per chunk, 6 chunks; w1+w3 (16,384 × 2048 × 4 B) just fits.
    const f32 = planLoad(request({ weights: 'f32' }));
    expect(f32.splitMatrices.map((m) => [m.name, m.chunks])).toEqual([['model.tok_embeddings.weight', 6], ['output.weight', 6]]);
    expect(planLoad(request({ adapter: { ...lavapipe, maxBindingBytes: 2 * GIB } })).splitMatrices).toEqual([]);
  });
});

describe('the plan equals what the loader allocates', () => {
  it('for a bf16 fixture with 8 KiB bindings: weight bytes, split chunks and forward rows', async () => {
    const checkpoint = await openCheckpoint(fixtureDir('tiny-bf16-sharded'));
    const context = await sharedDevice();
    const binding = 8192;
    const model = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', maxBindingBytes: binding, kernels: 'cpu' });
    try {
      const plan = planLoad({
        config: checkpoint.config,
        storedDtype: 'BF16',
        adapter: { hasShaderF16: context.hasShaderF16, maxBindingBytes: binding, kernels: 'cpu', subgroupMinSize: 0 },
        budget: { bytes: 4 * GIB, source: 'test' },
        weights: 'native',
        kvCache: 'f32',
      });
      expect(plan.weightBytes.native?.bytes).toBe(model.weights.bytes);
      expect({ chunkRows: model.chunkRows, pickRows: model.pickRows }).toEqual(rowLimits(checkpoint.config, binding, undefined));
      const split = new Map(plan.splitMatrices.map((m) => [m.name, m.chunks]));
      expect(split.get('model.tok_embeddings.weight')).toBe(model.weights.embed.chunks.length);
      expect(split.get('output.weight')).toBe(model.weights.output.chunks.length);
      expect(split.get('model.layers.*.feed_forward.w1+w3.weight')).toBe(model.weights.layers[0]!.w13.chunks.length);
      expect(model.weights.output.chunks.length).toBeGreaterThan(1);
      // The longest context the plan names is what the model's own memory plan accepts.
      expect(() => model.planFor(1, plan.longestContext)).not.toThrow();
      expect(() => model.planFor(1, plan.longestContext + 1)).toThrow();
    } finally {
      model.dispose();
    }
  });
});

describe('harness doctor --model', () => {
  const scratch = makeTempFolder('gnomon-doctor-');
  afterAll(() => removeTempFolder(scratch));

  async function doctor(args: Record<string, unknown>): Promise<string> {
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { printed.push(chunk); return true; }) as typeof process.stdout.write;
    try {
      const handler = doctorCommand.handler as (args: Record<string, unknown>) => Promise<void>;
      await handler({ json: false, check: true, weights: 'native', kvCache: 'f32', ...args });
    } finally {
      process.stdout.write = write;
    }
    return printed.join('');
  }

  it('prints the plan of a folder holding only the real config.json, reading no weights', async () => {
    copyFileSync(configFile, join(scratch, 'config.json'));
    const out = await doctor({ model: scratch, gpuMemory: '16' });
    expect(out).toContain(`model:        ${scratch}: hidden 2048, 24 layers, 16 heads / 8 KV heads of 128, intermediate 8192, vocab 92544`);
    expect(out).toContain('weights:      none in the folder: planned from config.json (torch_dtype bfloat16 → BF16)');
    expect(out).toContain('parameters:   1,889,110,016 (1.89 B)');
    expect(out).toContain('weight bytes: native (bf16) 3.52 GiB (3,778,420,736 B) · f32 7.04 GiB (7,556,440,064 B)');
    expect(out).toContain('KV cache:     f32 192.0 MiB per 1k tokens (196,608 B per token) · f16 96.0 MiB per 1k tokens (98,304 B per token)');
    expect(out).toMatch(/activations: {2}\d+\.\d MiB per chunk of \d+ rows \(\d+ scored at once\), \+ \d+\.\d MiB per 1k tokens of context/);
    expect(out).toContain('budget:       16.00 GiB (--gpu-memory 16)');
    expect(out).toMatch(/longest context: [\d,]+ tokens for one sequence with --weights native --kv-cache f32 \(limited by the (storage binding|budget)/);
    expect(out).toMatch(/split tensors: /);
    expect(out).toContain(`check:        skipped: ${scratch} has no weights`);
  });

  it('reads the stored dtype from the safetensors headers and runs the check on the model when it has weights', async () => {
    const out = await doctor({ model: fixtureDir('tiny-bf16-sharded') });
    expect(out).toContain('weights:      stored as BF16 (safetensors headers; no tensor data read)');
    expect(out).toMatch(/check: {8}ok: the model scored \d+ tokens/);
  });

  it('refuses a folder without config.json, naming it', async () => {
    await expect(doctor({ model: join(scratch, 'missing'), check: false })).rejects.toThrow(/missing\/config\.json: cannot read the model config/);
  });
});
