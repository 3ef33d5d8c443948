/**
 * The CPU family's prefill kernels with and without subgroups, on a CPU adapter (lavapipe),
 * interleaved: matmul_blocked.wgsl (8×2 register blocks) beside matmul_blocked_shuffle.wgsl (16×2,
 * x shared between a subgroup's lanes, W read eight values per load) on the prefill projections of
 * the mid shape, a hidden-1024 model and the 1.8B shape; attention_rows.wgsl without and with its lanes sharing keys and
 * values (lane_share/); and the f32 FMA loop (shaders/bench_fma.wgsl) as the peak.
 *
 * Each figure comes twice: per wall second, and per CPU second of this process (user + system,
 * process.cpuUsage) × the adapter's threads. On a CPU adapter the GPU work runs on this process's
 * threads, so CPU time is the work itself, whatever else the machine is running: on a shared machine
 * the wall figures swing by tens of percent between runs and the CPU-time figures by a few. Each case
 * runs `--rounds` times in turn with the others; the best round counts (the least disturbed).
 *
 *   npm run build && node dist/bench/cpu-prefill.js [--rows 256] [--tokens 1024,2048] [--rounds 5] [--threads 2]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/gpu/device.js';
import type { WeightFormat } from '../engine/gpu/kernels.js';
import { createUniform } from '../engine/gpu/uniforms.js';
import { RandomFill } from '../engine/model/random-weights.js';
import { benchDevice, describeContext, encodeLaunches, fmt, isEntry, launch, percent, printTable, runMain, storage, type KernelLaunch } from './gpu-bench.js';
import { prefillAttentionBuffers } from './attention.js';
import { matmulLaunches } from './matmul-launches.js';

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** Wall and CPU seconds of one submit of `launches`. */
async function timeOnce(context: GpuContext, launches: readonly KernelLaunch[]): Promise<Timing> {
  const commands = encodeLaunches(context, launches);
  const cpu = process.cpuUsage();
  const started = performance.now();
  context.device.queue.submit([commands]);
  await context.device.queue.onSubmittedWorkDone();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

interface Case {
  readonly name: string;
  readonly flops: number;
  readonly launches: readonly KernelLaunch[];
  readonly best: { wall: number; cpu: number };
}

/** Runs every case once per round, in turn; keeps each case's best wall and best CPU time. */
async function interleave(context: GpuContext, cases: Case[], rounds: number): Promise<void> {
  for (const c of cases) await timeOnce(context, c.launches); // warm-up: compilation, first touch
  for (let round = 0; round < rounds; round += 1) {
    for (const c of cases) {
      const t = await timeOnce(context, c.launches);
      c.best.wall = Math.min(c.best.wall, t.wall);
      c.best.cpu = Math.min(c.best.cpu, t.cpu);
    }
  }
}

function newCase(name: string, flops: number, launches: readonly KernelLaunch[]): Case {
  return { name, flops, launches, best: { wall: Infinity, cpu: Infinity } };
}

const MATMUL_SHAPES: readonly { name: string; n: number; k: number }[] = [
  { name: 'mid wqkv 1024×512', n: 1024, k: 512 },
  { name: 'hidden 1024 w1+w3 5632×1024', n: 5632, k: 1024 },
  { name: 'hidden 1024 w2 1024×2816', n: 1024, k: 2816 },
  { name: '1.8B wo 2048×2048', n: 2048, k: 2048 },
  { name: '1.8B w2 2048×8192', n: 2048, k: 8192 },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '256' }, tokens: { type: 'string', default: '1024,2048' }, rounds: { type: 'string', default: '5' }, threads: { type: 'string' } } });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  // lavapipe runs one thread per core (LP_NUM_THREADS overrides it).
  const threads = Number(values.threads ?? process.env['LP_NUM_THREADS'] ?? availableParallelism());
  const context = await benchDevice({ unsafe: false });
  process.stdout.write(`Adapter: ${describeContext(context)}; ${threads} threads; best of ${rounds} interleaved rounds\n`);
  if (!context.hasSubgroups) throw new Error('this bench compares the CPU family with and without subgroups; the adapter has none');
  const perSecond = (c: Case, seconds: number): number => c.flops / seconds / 1e9;

  // The peak: the FMA loop the other benches divide by, per wall and per CPU second.
  const fmaThreads = 256 * 64;
  const iterations = 2048;
  const fmaOut = storage(context, fmaThreads * 4, 'fma out');
  const fmaParams = createUniform(context.device, 'fma params', [{ u32: iterations }]);
  const peak = newCase('FMA loop', fmaThreads * iterations * 64, [await launch(context, { file: 'bench_fma.wgsl' }, [fmaParams, fmaOut], [fmaThreads / 256, 1, 1])]);
  await interleave(context, [peak], rounds);
  const peakWall = perSecond(peak, peak.best.wall);
  const peakCpu = perSecond(peak, peak.best.cpu / threads);

  const random = await RandomFill.create(context, 3);
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
  const matmulRows: string[][] = [];
  for (const shape of MATMUL_SHAPES) {
    for (const format of ['f32', 'bf16'] as WeightFormat[]) {
      const w = random.matrix(shape.name, shape.n, shape.k, format, 'kn', Math.sqrt(3 / shape.k), maxBinding);
      const x = storage(context, rows * shape.k * 4, 'x');
      random.fill(x, rows * shape.k, 'f32', 1);
      const y = storage(context, rows * shape.n * 4, 'y');
      const flops = 2 * rows * shape.n * shape.k;
      const blocks = await matmulLaunches(context, 'cpu', w, x, y, rows);
      const shuffled = await matmulLaunches(context, 'cpu subgroups', w, x, y, rows);
      const cases = [newCase('blocks', flops, blocks.launches), newCase('shuffle', flops, shuffled.launches)];
      await interleave(context, cases, rounds);
      const [before, after] = cases as [Case, Case];
      matmulRows.push([
        shape.name, format,
        fmt(perSecond(before, before.best.wall)), fmt(perSecond(after, after.best.wall)), `${fmt(before.best.wall / after.best.wall)}×`,
        fmt(perSecond(before, before.best.cpu / threads)), fmt(perSecond(after, after.best.cpu / threads)), `${fmt(before.best.cpu / after.best.cpu)}×`,
        percent(perSecond(after, after.best.cpu / threads), peakCpu),
      ]);
      blocks.release();
      shuffled.release();
      for (const chunk of w.chunks) chunk.buffer.destroy();
      x.destroy();
      y.destroy();
      process.stderr.write(`  ${shape.name} ${format} done\n`);
    }
  }
  printTable(
    `Prefill matmul, ${rows} rows, GFLOP/s: matmul_blocked.wgsl 8×2 (before) vs matmul_blocked_shuffle.wgsl 16×2 (after); FMA loop ${fmt(peakWall)} GFLOP/s per wall second, ${fmt(peakCpu)} per CPU second × ${threads}`,
    ['shape', 'W', 'wall before', 'wall after', 'ratio', 'CPU-time before', 'CPU-time after', 'ratio', 'after % FMA (CPU time)'],
    matmulRows,
  );

  // Prefill attention as bench/attention.ts runs it: 2 heads / 1 KV head, head_dim 128, one sequence.
  const heads = 2;
  const kvHeads = 1;
  const headDim = 128;
  const attentionRows: string[][] = [];
  for (const tokens of values.tokens.split(',').map(Number)) {
    const { q, k, v, out, rowMeta, params, allRows: step } = prefillAttentionBuffers(context, random, { tokens, heads, kvHeads, headDim });
    const flops = 2 * heads * tokens * (tokens + 1) * headDim;
    const rowsKernel = async (share: 'none' | 'subgroups'): Promise<KernelLaunch> =>
      launch(context, { file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl', `lane_share/${share}.wgsl`] }, [params, q, rowMeta, k, v, out, step], [heads, Math.ceil(tokens / 32), 1]);
    const cases = [newCase('alone', flops, [await rowsKernel('none')]), newCase('sharing', flops, [await rowsKernel('subgroups')])];
    await interleave(context, cases, rounds);
    const [before, after] = cases as [Case, Case];
    attentionRows.push([
      String(tokens),
      fmt(before.best.wall * 1000), fmt(after.best.wall * 1000), `${fmt(before.best.wall / after.best.wall)}×`,
      fmt(perSecond(before, before.best.cpu / threads)), fmt(perSecond(after, after.best.cpu / threads)), `${fmt(before.best.cpu / after.best.cpu)}×`,
      percent(perSecond(after, after.best.cpu / threads), peakCpu),
    ]);
    for (const b of [q, k, v, out, rowMeta, params, step]) b.destroy();
    process.stderr.write(`  attention ${tokens} done\n`);
  }
  printTable(
    `Prefill attention (attention_rows.wgsl, ${heads} heads / ${kvHeads} KV, head_dim ${headDim}): lanes loading alone (before) vs sharing keys and values (after)`,
    ['tokens', 'wall ms before', 'wall ms after', 'ratio', 'CPU-time GFLOP/s before', 'after', 'ratio', 'after % FMA (CPU time)'],
    attentionRows,
  );
}

if (isEntry(import.meta.url)) runMain(main);
