/**
 * Decode bandwidth: the 1-row kernels of both matmul families (engine/matmul-plan.ts: on GPUs
 * matvec_subgroup.wgsl where the adapter has subgroups, else matvec.wgsl's chunk sums +
 * matmul_fold.wgsl; on CPU adapters matmul_blocked.wgsl's 1-row block, whose workgroup is sized so that every
 * product spreads over at least 8 workgroups) streaming 1.8B-shaped
 * weights, in GB/s of weights read and as a fraction of the copy bandwidth measured on the same
 * adapter; the naive kernel at 1 row beside them (the baseline: it reads W row by row per
 * invocation). The adapter's default family is marked.
 *
 *   npm run bench -- decode-bandwidth [--large] [--unsafe]
 *   node dist/bench/decode-bandwidth.js [--formats bf16,f16,f32]
 */
import { parseArgs } from 'node:util';
import { UserError } from '../engine/errors.js';
import type { GpuContext } from '../engine/gpu/device.js';
import type { WeightFormat } from '../engine/gpu/kernels.js';
import { RandomFill } from '../engine/model/random-weights.js';
import { benchDevice, describeContext, fmt, isEntry, measurePeaks, percent, printTable, runMain, storage, timeLaunches, type Peaks } from './gpu-bench.js';
import { engineMatmulChoice, matmulLaunches, type MatmulKernelChoice } from './matmul-launches.js';

const SHAPES = [
  // hidden 1024 (issue 22's mid shape): wo and w2 were one workgroup of the 1-row block.
  { name: 'hidden 1024 wo 1024×1024', n: 1024, k: 1024 },
  { name: 'hidden 1024 w2 1024×4096', n: 1024, k: 4096 },
  { name: '1.8B wqkv 4096×2048', n: 4096, k: 2048 },
  { name: '1.8B w1 8192×2048', n: 8192, k: 2048 },
  { name: '1.8B w2 2048×8192', n: 2048, k: 8192 },
  { name: '1.8B head 92544×2048', n: 92544, k: 2048 },
];

export async function benchDecodeBandwidth(context: GpuContext, peaks: Peaks, options: { large: boolean; formats?: readonly WeightFormat[] }): Promise<void> {
  const random = await RandomFill.create(context, 2);
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
  const formats: readonly WeightFormat[] = options.formats ?? (options.large && context.hasShaderF16 ? ['bf16', 'f16', 'f32'] : ['bf16']);
  const rows: string[][] = [];
  const engineChoice = engineMatmulChoice(context);
  for (const shape of SHAPES) {
    for (const format of formats) {
      const w = random.matrix(shape.name, shape.n, shape.k, format, 'kn', 0.02, maxBinding);
      const x = storage(context, shape.k * 4, 'x');
      random.fill(x, shape.k, 'f32', 1);
      const y = storage(context, shape.n * 4, 'y');
      const time = async (kernel: MatmulKernelChoice): Promise<number> => {
        const { launches, release } = await matmulLaunches(context, kernel, w, x, y, 1);
        const seconds = await timeLaunches(context, launches, { iterations: options.large ? 20 : 2, repeats: options.large ? 5 : 1 });
        release();
        return w.bytes / seconds / 1e9;
      };
      const split = await time('gpu');
      const subgroups = context.hasSubgroups ? await time('gpu subgroups') : undefined;
      // The CPU family's kernel and its predecessor, interleaved three times (medians): they differ by
      // how many of the adapter's threads a product keeps busy.
      const cpuRuns: { now: number; before: number }[] = [];
      for (let repeat = 0; repeat < 3; repeat += 1) cpuRuns.push({ before: await time('cpu 1-row block'), now: await time('cpu') });
      const middle = (values: number[]): number => values.sort((a, b) => a - b)[1] as number;
      const blocks = middle(cpuRuns.map((run) => run.now));
      const blocksBefore = middle(cpuRuns.map((run) => run.before));
      const naive = await time('naive');
      const engine = { cpu: blocks, 'cpu subgroups': blocks, gpu: split, 'gpu subgroups': subgroups ?? split }[engineChoice]; // 1 row: the 1-row block with or without subgroups
      rows.push([shape.name, format, `${fmt(w.bytes / 2 ** 20, 0)} MiB`, fmt(naive), fmt(split), subgroups === undefined ? '—' : fmt(subgroups), fmt(blocksBefore), fmt(blocks), `${fmt(blocks / blocksBefore)}×`, `${fmt(engine / naive)}×`, percent(engine * 1e9, peaks.bandwidth)]);
      for (const chunk of w.chunks) chunk.buffer.destroy();
      for (const b of [x, y]) b.destroy();
      process.stderr.write(`  decode ${shape.name} ${format} done\n`);
    }
  }
  printTable(
    `Decode matrix-vector (1 row), GB/s of weights read (copy peak ${fmt(peaks.bandwidth / 1e9)} GB/s); engine: ${engineChoice}, this adapter's default`,
    ['shape', 'W', 'size', 'naive', 'split matvec (gpu)', 'subgroup matvec (gpu)', '1-row block (cpu, before)', '1-row block, sized workgroup (cpu)', 'cpu now/before', 'engine/naive', 'engine % copy'],
    rows,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false }, formats: { type: 'string' } } });
  const formats = values.formats?.split(',').map((format): WeightFormat => {
    if (format !== 'bf16' && format !== 'f16' && format !== 'f32') throw new UserError(`--formats: unknown weight format '${format}'`, 'use bf16, f16 and f32, comma-separated');
    return format;
  });
  const context = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(context)}\n`);
  const peaks = await measurePeaks(context, values.large ?? false);
  process.stdout.write(`Peaks: copy ${fmt(peaks.bandwidth / 1e9)} GB/s, f32 FMA ${fmt(peaks.flops / 1e9)} GFLOP/s\n`);
  await benchDecodeBandwidth(context, peaks, { large: values.large ?? false, ...(formats ? { formats } : {}) });
}

if (isEntry(import.meta.url)) runMain(main);
