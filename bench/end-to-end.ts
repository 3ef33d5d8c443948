/**
 * End to end: prefill tokens/s and decode tokens/s of a whole InternLM2-shaped model with random
 * weights generated on the GPU (engine/random-weights.ts), at several context lengths; beside it
 * the naive engine (row-major weights through the untiled matmul, per-row attention) on the same
 * shape. Decode steps include the host round trip (one forward call and one readback per token),
 * as generation runs them.
 *
 *   npm run bench -- end-to-end [--shape mid|tiny|1.8b] [--contexts 256,1024] [--format bf16] [--decode-steps 8] [--no-naive] [--gpu-memory 80] [--kv-cache f16] [--large] [--unsafe]
 *
 * Default: the mid and tiny shapes at short contexts (minutes on software Vulkan). --large: the
 * 1.8B shape in bf16 at 1k, 8k and 32k (a real GPU; the memory plan refuses what will not fit).
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/device.js';
import type { WeightFormat } from '../engine/kernels.js';
import { InternLM2Model, type ForwardRow, type KvCacheFormat } from '../engine/model.js';
import { MODEL_SHAPES, type ModelShapeName } from '../engine/model-shapes.js';
import { randomWeights } from '../engine/random-weights.js';
import { UserError } from '../engine/errors.js';
import { benchDevice, describeContext, fmt, isEntry, printTable, runMain } from './gpu-bench.js';

interface Case {
  readonly shape: ModelShapeName;
  readonly contexts: readonly number[];
}

async function runModel(model: InternLM2Model, context: number, decodeSteps: number): Promise<{ prefill: number; decode: number }> {
  const c = model.config;
  await model.ensureKvCache(1, context + decodeSteps);
  const rows = (start: number, end: number): ForwardRow[] => {
    const out: ForwardRow[] = [];
    for (let p = start; p < end; p += 1) out.push({ token: (p * 7919) % c.vocabSize, slot: 0, position: p, ropeBase: c.ropeTheta });
    return out;
  };
  // Warm-up (pipelines, first-use allocation) on a short prefix.
  await model.forward(rows(0, Math.min(context, 16)), [{ row: 0, target: 1 }]);
  let started = performance.now();
  const result = await model.forward(rows(0, context), [{ row: context - 1, target: 1 }]);
  const prefillSeconds = (performance.now() - started) / 1000;
  if (!result.picks.every((p) => Number.isFinite(p.targetLogprob))) throw new Error('non-finite log-prob after prefill');
  started = performance.now();
  for (let p = context; p < context + decodeSteps; p += 1) await model.forward(rows(p, p + 1), [{ row: 0, target: 1 }]);
  const decodeSeconds = (performance.now() - started) / 1000;
  return { prefill: context / prefillSeconds, decode: decodeSteps / decodeSeconds };
}

export async function benchEndToEnd(gpu: GpuContext, options: { cases: readonly Case[]; format: WeightFormat; decodeSteps: number; naive: boolean; gpuMemory?: string; kvCache?: KvCacheFormat }): Promise<void> {
  const table: string[][] = [];
  for (const { shape, contexts } of options.cases) {
    const config = MODEL_SHAPES[shape];
    const variants: { name: string; tiled: boolean }[] = [{ name: 'engine', tiled: true }, ...(options.naive ? [{ name: 'naive', tiled: false }] : [])];
    for (const variant of variants) {
      const weights = await randomWeights(gpu, config, { format: options.format, seed: 11, projectionLayout: variant.tiled ? 'kn' : 'nk' });
      const model = await InternLM2Model.fromWeights(gpu, config, weights, { attention: variant.tiled ? 'tiled' : 'per-row', ...(options.gpuMemory ? { gpuMemory: options.gpuMemory } : {}), ...(variant.tiled && options.kvCache ? { kvCache: options.kvCache } : {}) });
      try {
        for (const context of contexts) {
          try {
            const r = await runModel(model, context, options.decodeSteps);
            table.push([shape, variant.tiled && options.kvCache === 'f16' ? `${variant.name} (f16 KV)` : variant.name, options.format, String(context), fmt(r.prefill), fmt(r.decode), `${fmt(weights.bytes / 2 ** 20, 0)} MiB`]);
          } catch (error) {
            if (!(error instanceof UserError)) throw error;
            table.push([shape, variant.tiled && options.kvCache === 'f16' ? `${variant.name} (f16 KV)` : variant.name, options.format, String(context), `refused: ${error.message.slice(0, 60)}…`, '—', '—']);
          }
          process.stderr.write(`  end-to-end ${shape} ${variant.name} ${context} done\n`);
        }
      } finally {
        model.dispose();
      }
    }
  }
  printTable('End to end (random weights): tokens/s', ['shape', 'kernels', 'W', 'context', 'prefill tok/s', 'decode tok/s', 'weights'], table);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string' }, contexts: { type: 'string' }, format: { type: 'string' }, 'decode-steps': { type: 'string' },
      'no-naive': { type: 'boolean', default: false }, 'gpu-memory': { type: 'string' }, 'kv-cache': { type: 'string' }, large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false },
    },
  });
  const gpu = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(gpu)}\n`);
  const contexts = values.contexts?.split(',').map(Number);
  const cases: Case[] = values.shape
    ? [{ shape: values.shape as ModelShapeName, contexts: contexts ?? [256, 1024] }]
    : values.large ? [{ shape: '1.8b', contexts: contexts ?? [1024, 8192, 32768] }] : [{ shape: 'mid', contexts: contexts ?? [256, 1024] }, { shape: 'tiny', contexts: contexts ?? [1024, 4096] }];
  for (const c of cases) if (!(c.shape in MODEL_SHAPES)) throw new UserError(`--shape ${c.shape} is not one of ${Object.keys(MODEL_SHAPES).join(', ')}`, 'pick a listed shape');
  await benchEndToEnd(gpu, {
    cases,
    format: (values.format ?? 'bf16') as WeightFormat,
    decodeSteps: Number(values['decode-steps'] ?? 8),
    naive: !(values['no-naive'] ?? false),
    ...(values['gpu-memory'] ? { gpuMemory: values['gpu-memory'] } : {}),
    ...(values['kv-cache'] ? { kvCache: values['kv-cache'] as KvCacheFormat } : {}),
  });
}

if (isEntry(import.meta.url)) runMain(main);
