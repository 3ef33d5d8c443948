/**
 * End to end: prefill tokens/s and decode tokens/s of a whole InternLM2-shaped model with random
 * weights generated on the GPU (engine/random-weights.ts), at several context lengths; beside it
 * the naive engine (row-major weights through the untiled matmul, per-row attention) on the same
 * shape. Decode steps include the host round trip (one forward call and one readback per token, as
 * sampling runs them); "burst" runs greedy decoding as generation does, 16 steps with one readback,
 * the argmax fed back on the GPU.
 *
 *   node dist/bench/end-to-end.js [--shape mid|tiny|1.8b] [--contexts 256,1024] [--format bf16] [--decode-steps 8] [--no-naive]
 *     [--gpu-memory 80] [--kv-cache f16] [--kernels gpu,gpu-split,cpu,cpu-blocks] [--large] [--unsafe]
 *
 * --kernels: the kernel families to run (engine/kernel-family.ts); default: the adapter's own.
 * 'gpu' uses subgroups where the adapter has them (matvec_subgroup.wgsl for decode-sized matmuls);
 * 'gpu-split' is the GPU family without them (matvec.wgsl + matmul_fold.wgsl), 'cpu-blocks' the CPU
 * family without them (matmul_blocked.wgsl for prefill instead of matmul_blocked_shuffle.wgsl).
 *
 * Default: the mid and tiny shapes at short contexts (minutes on software Vulkan). --large: the
 * 1.8B shape in bf16 at 1k, 8k and 32k (a real GPU; the memory plan refuses what will not fit).
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/gpu/device.js';
import type { WeightFormat } from '../engine/gpu/kernels.js';
import { defaultKernelFamily, KERNEL_FAMILIES, type KernelFamily } from '../engine/model/kernel-family.js';
import { InternLM2Model, type ForwardRow, type KvCacheFormat } from '../engine/model/model.js';
import { MODEL_SHAPES, type ModelShapeName } from '../engine/model/model-shapes.js';
import { randomWeights } from '../engine/model/random-weights.js';
import { UserError } from '../engine/errors.js';
import { PassTimer } from '../engine/gpu/pass-timer.js';
import { benchDevice, describeContext, fmt, isEntry, measurePeaks, percent, printTable, runMain, type Peaks } from './gpu-bench.js';

/**
 * A kernel family as --kernels names it; 'gpu-split' is the GPU family without subgroups,
 * 'cpu-blocks' the CPU family without them (matmul_blocked.wgsl for prefill, not the shuffled block).
 */
const KERNEL_CHOICES = [...KERNEL_FAMILIES, 'gpu-split', 'cpu-blocks'] as const;
type KernelChoice = (typeof KERNEL_CHOICES)[number];

function modelKernelOptions(choice: KernelChoice): { kernels: KernelFamily; subgroups?: boolean } {
  if (choice === 'gpu-split') return { kernels: 'gpu', subgroups: false };
  if (choice === 'cpu-blocks') return { kernels: 'cpu', subgroups: false };
  return { kernels: choice };
}

interface Case {
  readonly shape: ModelShapeName;
  readonly contexts: readonly number[];
}

interface RunFigures {
  readonly prefill: number;
  readonly decode: number;
  /** Per decode step: GPU seconds from timestamp queries (undefined without timestamp-query). */
  readonly decodeGpuSeconds: number | undefined;
  readonly decodeWallSeconds: number;
  /** Per decode step: host seconds to encode its passes (the fastest of 20, not submitted; InternLM2Model.measureStepEncodeSeconds). */
  readonly decodeEncodeSeconds: number;
  /** Greedy decode in bursts of 16 steps (one submit each, no readback between) (InternLM2Model.decodeGreedy), tokens/s. */
  readonly burst: number;
}

async function runModel(model: InternLM2Model, context: number, decodeSteps: number): Promise<RunFigures> {
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
  // Decode steps as generation runs them: one forward call and one readback per token. Where the
  // device has timestamps, every pass is timed too (read once at the end, outside the wall time).
  const timer = model.context.hasTimestampQuery ? new PassTimer(model.context.device, 4 * decodeSteps + 8) : undefined;
  model.passTimer = timer;
  started = performance.now();
  for (let p = context; p < context + decodeSteps; p += 1) {
    await model.forward(rows(p, p + 1), [{ row: 0, target: 1 }]);
  }
  const decodeSeconds = (performance.now() - started) / 1000;
  // The host's own cost of encoding a step, apart from the waits inside real steps (the garbage
  // collector; on lavapipe, the GPU work on the same cores), which made a median over steps swing
  // between 1.3 and 15 ms for the same 1.8B step.
  const encodeSeconds = model.measureStepEncodeSeconds(1, 20);
  model.passTimer = undefined;
  const gpuSeconds = timer ? await timer.read() : undefined;
  timer?.destroy();
  // The same steps again as greedy bursts (positions rewritten in place), as generation runs them.
  const burstSteps = Math.min(16, decodeSteps);
  started = performance.now();
  for (let p = context; p + burstSteps <= context + decodeSteps; p += burstSteps) {
    await model.decodeGreedy(rows(p, p + 1), burstSteps, () => c.ropeTheta);
  }
  const burstSeconds = (performance.now() - started) / 1000;
  const burstTokens = Math.floor(decodeSteps / burstSteps) * burstSteps;
  return {
    burst: burstTokens / burstSeconds,
    prefill: context / prefillSeconds,
    decode: decodeSteps / decodeSeconds,
    decodeGpuSeconds: gpuSeconds === undefined ? undefined : gpuSeconds / decodeSteps,
    decodeWallSeconds: decodeSeconds / decodeSteps,
    decodeEncodeSeconds: encodeSeconds,
  };
}

/**
 * Bytes one decode step must read at least: every weight matrix once (the embedding table only one
 * row) and the keys and values of `context` cached positions in every layer.
 */
function decodeStepBytes(model: InternLM2Model, context: number, kvBytesPerValue: number): number {
  const c = model.config;
  const w = model.weights;
  const embedRow = w.embed.bytes / w.embed.rows;
  return w.bytes - w.embed.bytes + embedRow + c.layers * 2 * context * c.kvHeads * c.headDim * kvBytesPerValue;
}

export async function benchEndToEnd(gpu: GpuContext, options: { cases: readonly Case[]; format: WeightFormat; decodeSteps: number; naive: boolean; gpuMemory?: string; kvCache?: KvCacheFormat; peaks?: Peaks; families?: readonly KernelChoice[] }): Promise<void> {
  const table: string[][] = [];
  const families: readonly KernelChoice[] = options.families ?? [defaultKernelFamily(gpu.adapter)];
  for (const { shape, contexts } of options.cases) {
    const config = MODEL_SHAPES[shape];
    // The engine in each kernel family asked for, then the naive kernels (row-major weights through
    // the untiled matmul, per-row attention).
    const variants: { name: string; engine: boolean; family?: KernelChoice }[] = [
      ...families.map((family) => ({ name: `engine (${family})`, engine: true, family })),
      ...(options.naive ? [{ name: 'naive', engine: false }] : []),
    ];
    for (const variant of variants) {
      const f16Cache = variant.engine && options.kvCache === 'f16';
      const label = f16Cache ? `${variant.name}, f16 KV` : variant.name;
      const weights = await randomWeights(gpu, config, { format: options.format, seed: 11, projectionLayout: variant.engine ? 'kn' : 'nk' });
      const model = await InternLM2Model.fromWeights(gpu, config, weights, {
        attention: variant.engine ? 'blocked' : 'per-row',
        ...(variant.family ? modelKernelOptions(variant.family) : {}),
        ...(options.gpuMemory ? { gpuMemory: options.gpuMemory } : {}),
        ...(variant.engine && options.kvCache ? { kvCache: options.kvCache } : {}),
      });
      try {
        for (const context of contexts) {
          try {
            const r = await runModel(model, context, options.decodeSteps);
            const gpu = r.decodeGpuSeconds;
            const bandwidth = gpu === undefined ? Number.NaN : decodeStepBytes(model, context, f16Cache ? 2 : 4) / gpu;
            table.push([
              shape, label, options.format, String(context), fmt(r.prefill), fmt(r.decode), fmt(r.burst),
              fmt(r.decodeWallSeconds * 1e3, 3), gpu === undefined ? '—' : fmt(gpu * 1e3, 3), gpu === undefined ? '—' : percent(r.decodeWallSeconds - gpu, r.decodeWallSeconds), fmt(r.decodeEncodeSeconds * 1e3, 3),
              fmt(bandwidth / 1e9), options.peaks ? percent(bandwidth, options.peaks.bandwidth) : '—', `${fmt(weights.bytes / 2 ** 20, 0)} MiB`,
            ]);
          } catch (error) {
            if (!(error instanceof UserError)) throw error;
            table.push([shape, label, options.format, String(context), `refused: ${error.message.slice(0, 60)}…`, '—', '—', '—', '—', '—', '—', '—', '—']);
          }
          process.stderr.write(`  end-to-end ${shape} ${variant.name} ${context} done\n`);
        }
      } finally {
        model.dispose();
      }
    }
  }
  printTable(
    `End to end (random weights): tokens/s (decode: one call per token; burst: greedy bursts of 16 steps, no readback between); a decode step's wall time, its GPU time (timestamp queries), the host's share (wall − GPU), the host time encoding its passes (fastest of 20, not submitted), and the bytes it must read (weights + KV cache) per GPU second${options.peaks ? ` against the copy peak ${fmt(options.peaks.bandwidth / 1e9)} GB/s` : ''}`,
    ['shape', 'kernels', 'W', 'context', 'prefill tok/s', 'decode tok/s', 'burst tok/s', 'step ms', 'GPU ms', 'host %', 'encode ms', 'GB/s', '% copy', 'weights'],
    table,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string' }, contexts: { type: 'string' }, format: { type: 'string' }, 'decode-steps': { type: 'string' },
      'no-naive': { type: 'boolean', default: false }, 'gpu-memory': { type: 'string' }, 'kv-cache': { type: 'string' }, large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false },
      kernels: { type: 'string' },
    },
  });
  const families = values.kernels?.split(',').map((name) => {
    if (!(KERNEL_CHOICES as readonly string[]).includes(name)) throw new UserError(`--kernels ${name} is not one of ${KERNEL_CHOICES.join(', ')}`, 'pass a comma-separated list, e.g. gpu,gpu-split,cpu');
    return name as KernelChoice;
  });
  const gpu = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(gpu)}\n`);
  const contexts = values.contexts?.split(',').map(Number);
  const cases: Case[] = values.shape
    ? [{ shape: values.shape as ModelShapeName, contexts: contexts ?? [256, 1024] }]
    : values.large ? [{ shape: '1.8b', contexts: contexts ?? [1024, 8192, 32768] }] : [{ shape: 'mid', contexts: contexts ?? [256, 1024] }, { shape: 'tiny', contexts: contexts ?? [1024, 4096] }];
  for (const c of cases) if (!(c.shape in MODEL_SHAPES)) throw new UserError(`--shape ${c.shape} is not one of ${Object.keys(MODEL_SHAPES).join(', ')}`, 'pick a listed shape');
  const peaks = await measurePeaks(gpu, values.large ?? false);
  await benchEndToEnd(gpu, {
    peaks,
    cases,
    format: (values.format ?? 'bf16') as WeightFormat,
    decodeSteps: Number(values['decode-steps'] ?? 8),
    naive: !(values['no-naive'] ?? false),
    ...(values['gpu-memory'] ? { gpuMemory: values['gpu-memory'] } : {}),
    ...(values['kv-cache'] ? { kvCache: values['kv-cache'] as KvCacheFormat } : {}),
    ...(families ? { families } : {}),
  });
}

if (isEntry(import.meta.url)) runMain(main);
