/**
 * Causal attention over T tokens of one sequence (prefill), and one decode row over a T-token
 * cache. Prefill: the textbook baseline that materialises the T × T scores per head
 * (attention_naive_scores.wgsl, skipped where that matrix exceeds a storage binding) beside the
 * flash-style tiled kernel (attention_tiled.wgsl, the GPU family), the register-blocked kernel of
 * 4 rows × 8 keys per invocation (attention_rows.wgsl, the CPU family) and the engine's first kernel (attention.wgsl,
 * online softmax, one workgroup per (head, row), K/V re-read per row). Decode: the per-row kernel
 * (attention.wgsl, one workgroup per head) beside both families' split-K (attention_split.wgsl or
 * attention_lanes.wgsl, then attention_merge.wgsl). "engine" is the adapter's family.
 * GFLOP/s count 2 · heads · T(T+1) · head_dim (QKᵀ and PV under the causal mask).
 *
 *   npm run bench -- attention [--large] [--tokens 1024,4096] [--unsafe]
 *
 * Default: one 1.8B KV group (2 query heads, 1 KV head, head_dim 128) at 1k and 2k tokens, minutes
 * on software Vulkan. --large: all 16 heads / 8 KV heads at 1k, 4k, 16k, 32k (a real GPU).
 */
import { parseArgs } from 'node:util';
import { planAttentionTiles } from '../engine/model/attention-plan.js';
import type { GpuContext } from '../engine/gpu/device.js';
import { defaultKernelFamily } from '../engine/model/kernel-family.js';
import { RandomFill } from '../engine/model/random-weights.js';
import { createUniform } from '../engine/gpu/uniforms.js';
import { benchDevice, bindAll, describeContext, entryPipeline, fmt, isEntry, launch, measurePeaks, percent, printTable, runMain, storage, timeLaunches, type Peaks } from './gpu-bench.js';

const SEGMENT = 256;

/** The buffers of one prefill: a sequence of `tokens` rows attending to itself (row i at position i), random q, k and v. */
export interface PrefillAttentionBuffers {
  readonly q: GPUBuffer;
  readonly k: GPUBuffer;
  readonly v: GPUBuffer;
  readonly out: GPUBuffer;
  readonly rowMeta: GPUBuffer;
  readonly params: GPUBuffer;
  /** The step uniform: all `tokens` rows. */
  readonly allRows: GPUBuffer;
}

export function prefillAttentionBuffers(context: GpuContext, random: RandomFill, shape: { tokens: number; heads: number; kvHeads: number; headDim: number }): PrefillAttentionBuffers {
  const { tokens, heads, kvHeads, headDim } = shape;
  const q = storage(context, tokens * heads * headDim * 4, 'q');
  const k = storage(context, tokens * kvHeads * headDim * 4, 'k');
  const v = storage(context, tokens * kvHeads * headDim * 4, 'v');
  random.fill(q, tokens * heads * headDim, 'f32', 1);
  random.fill(k, tokens * kvHeads * headDim, 'f32', 1);
  random.fill(v, tokens * kvHeads * headDim, 'f32', 1);
  const out = storage(context, tokens * heads * headDim * 4, 'out');
  const meta = new Uint32Array(tokens * 2);
  for (let i = 0; i < tokens; i += 1) meta[2 * i + 1] = i;
  const rowMeta = storage(context, meta.byteLength, 'row meta');
  context.device.queue.writeBuffer(rowMeta, 0, meta);
  const params = createUniform(context.device, 'attention params', [{ u32: heads }, { u32: kvHeads }, { u32: headDim }, { u32: tokens }, { f32: 1 / Math.sqrt(headDim) }, { u32: Math.ceil(tokens / SEGMENT) }]);
  const allRows = createUniform(context.device, 'step', [{ u32: tokens }]);
  return { q, k, v, out, rowMeta, params, allRows };
}

export async function benchAttention(context: GpuContext, peaks: Peaks, options: { large: boolean; tokens?: readonly number[] }): Promise<void> {
  const heads = options.large ? 16 : 2;
  const kvHeads = options.large ? 8 : 1;
  const headDim = 128;
  const tokenCounts = options.tokens ?? (options.large ? [1024, 4096, 16384, 32768] : [1024, 2048]);
  const random = await RandomFill.create(context, 3);
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
  const family = defaultKernelFamily(context.adapter);
  const plan = planAttentionTiles(headDim, context.limits.maxComputeWorkgroupStorageSize);
  const naivePipelines = {
    scores: await entryPipeline(context, 'attention_naive_scores.wgsl', 'scores'),
    softmax: await entryPipeline(context, 'attention_naive_scores.wgsl', 'softmax'),
    weighted: await entryPipeline(context, 'attention_naive_scores.wgsl', 'weighted'),
  };
  const prefillRows: string[][] = [];
  const decodeRows: string[][] = [];
  const timing = { iterations: 1, repeats: options.large ? 3 : 1 };
  for (const tokens of tokenCounts) {
    const { q, k, v, out, rowMeta, params, allRows } = prefillAttentionBuffers(context, random, { tokens, heads, kvHeads, headDim });
    const segments = Math.ceil(tokens / SEGMENT);
    const flops = 2 * heads * tokens * (tokens + 1) * headDim;

    const tiled = await launch(context, { file: 'attention_tiled.wgsl', constants: plan.constants, prelude: ['kv_read/f32.wgsl'] }, [params, q, rowMeta, k, v, out, allRows], [heads, Math.ceil(tokens / plan.rowsPerWorkgroup), 1]);
    const tiledSeconds = await timeLaunches(context, [tiled], timing);
    const rowsPrefill = await launch(context, { file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl', 'lane_share/none.wgsl'] }, [params, q, rowMeta, k, v, out, allRows], [heads, Math.ceil(tokens / 32), 1]);
    const rowsSeconds = await timeLaunches(context, [rowsPrefill], timing);
    // The CPU family as the engine runs it where the adapter has subgroups: lanes share keys and values.
    const sharedPrefill = context.hasSubgroups ? await launch(context, { file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl', 'lane_share/subgroups.wgsl'] }, [params, q, rowMeta, k, v, out, allRows], [heads, Math.ceil(tokens / 32), 1]) : undefined;
    const sharedSeconds = sharedPrefill ? await timeLaunches(context, [sharedPrefill], timing) : Number.NaN;
    const engineSeconds = family === 'cpu' ? (sharedPrefill ? sharedSeconds : rowsSeconds) : tiledSeconds;
    const perRowPrefill = await launch(context, { file: 'attention.wgsl' }, [params, q, rowMeta, k, v, out, allRows], [heads, tokens, 1]);
    const perRowPrefillSeconds = await timeLaunches(context, [perRowPrefill], timing);

    let naiveSeconds = Number.NaN;
    const scoreBytes = heads * tokens * tokens * 4;
    if (scoreBytes <= maxBinding) {
      const naiveParams = createUniform(context.device, 'naive params', [{ u32: heads }, { u32: kvHeads }, { u32: headDim }, { u32: tokens }, { f32: 1 / Math.sqrt(headDim) }]);
      const s = storage(context, scoreBytes, 'scores');
      naiveSeconds = await timeLaunches(context, [
        bindAll(context, naivePipelines.scores, [naiveParams, q, k, undefined, s], [Math.ceil(tokens / 64), tokens, heads]),
        bindAll(context, naivePipelines.softmax, [naiveParams, undefined, undefined, undefined, s], [tokens, heads, 1]),
        bindAll(context, naivePipelines.weighted, [naiveParams, undefined, undefined, v, s, out], [Math.ceil(headDim / 64), tokens, heads]),
      ], timing);
      s.destroy();
      naiveParams.destroy();
    }
    prefillRows.push([
      String(tokens),
      Number.isNaN(naiveSeconds) ? `— (${(scoreBytes / 2 ** 30).toFixed(1)} GiB scores)` : fmt(naiveSeconds * 1000),
      fmt(perRowPrefillSeconds * 1000),
      fmt(tiledSeconds * 1000),
      fmt(rowsSeconds * 1000),
      Number.isNaN(sharedSeconds) ? '—' : fmt(sharedSeconds * 1000),
      fmt(flops / naiveSeconds / 1e9),
      fmt(flops / engineSeconds / 1e9),
      Number.isNaN(naiveSeconds) ? '—' : `${fmt(naiveSeconds / engineSeconds)}×`,
      percent(flops / engineSeconds, peaks.flops),
    ]);

    // Decode: one row at the last position over the whole cache.
    const lastMeta = storage(context, 16, 'last row');
    context.device.queue.writeBuffer(lastMeta, 0, new Uint32Array([0, tokens - 1]));
    const oneRow = createUniform(context.device, 'step', [{ u32: 1 }]);
    const partial = storage(context, heads * segments * (headDim + 2) * 4, 'partials');
    const lastQ = storage(context, heads * headDim * 4, 'last q');
    random.fill(lastQ, heads * headDim, 'f32', 1);
    const perRow = await launch(context, { file: 'attention.wgsl' }, [params, lastQ, lastMeta, k, v, out, oneRow], [heads, 1, 1]);
    const split = await launch(context, { file: 'attention_split.wgsl', prelude: ['kv_read/f32.wgsl'] }, [params, lastQ, lastMeta, k, v, partial, oneRow], [heads, 1, segments]);
    const merge = await launch(context, { file: 'attention_merge.wgsl' }, [params, undefined, lastMeta, undefined, undefined, out, oneRow, partial], [heads, 1, 1]);
    const lanesSplit = await launch(context, { file: 'attention_lanes.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl'], constants: { GROUP: heads / kvHeads } }, [params, lastQ, lastMeta, k, v, partial, oneRow], [Math.ceil((kvHeads * segments) / 8), 1, 1]);
    const decodeTiming = { iterations: options.large ? 20 : 3, repeats: options.large ? 5 : 1 };
    const perRowSeconds = await timeLaunches(context, [perRow], decodeTiming);
    const splitSeconds = await timeLaunches(context, [split, merge], decodeTiming);
    const lanesSplitSeconds = await timeLaunches(context, [lanesSplit, merge], decodeTiming);
    const engineDecode = family === 'cpu' ? lanesSplitSeconds : splitSeconds;
    const kvBytes = 2 * tokens * kvHeads * headDim * 4;
    decodeRows.push([String(tokens), fmt(perRowSeconds * 1000, 3), fmt(splitSeconds * 1000, 3), fmt(lanesSplitSeconds * 1000, 3), `${fmt(perRowSeconds / engineDecode)}×`, fmt(kvBytes / engineDecode / 1e9), percent(kvBytes / engineDecode, peaks.bandwidth)]);
    for (const b of [q, k, v, out, rowMeta, params, allRows, lastMeta, oneRow, partial, lastQ]) b.destroy();
    process.stderr.write(`  attention ${tokens} done\n`);
  }
  const peak = peaks.flops / 1e9;
  printTable(
    `Prefill attention, ${heads} heads / ${kvHeads} KV heads, head_dim ${headDim} (FMA peak ${fmt(peak)} GFLOP/s); engine: the ${family} family (tiled on GPUs, register blocks on CPUs, their lanes sharing keys and values where the adapter has subgroups)`,
    ['tokens', 'naive ms', 'per-row ms', 'tiled ms', 'blocks ms', 'blocks, lanes sharing ms', 'naive GFLOP/s', 'engine GFLOP/s', 'engine/naive', 'engine % peak'],
    prefillRows,
  );
  printTable(
    `Decode attention, one row over the cache (copy peak ${fmt(peaks.bandwidth / 1e9)} GB/s); engine: the ${family} family's split-K`,
    ['tokens', 'per-row ms', 'split-K ms', 'lanes split-K ms', 'engine/per-row', 'engine GB/s (K+V)', '% copy'],
    decodeRows,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false }, tokens: { type: 'string' } } });
  const context = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(context)}\n`);
  const peaks = await measurePeaks(context, values.large ?? false);
  process.stdout.write(`Peaks: copy ${fmt(peaks.bandwidth / 1e9)} GB/s, f32 FMA ${fmt(peaks.flops / 1e9)} GFLOP/s\n`);
  await benchAttention(context, peaks, { large: values.large ?? false, ...(values.tokens ? { tokens: values.tokens.split(',').map(Number) } : {}) });
}

if (isEntry(import.meta.url)) runMain(main);
