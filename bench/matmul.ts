/**
 * Matmul throughput, y = x Wᵀ, for InternLM2-1.8B shapes (hidden 2048, intermediate 8192, vocab
 * 92,544) and the fixtures' tiny shapes: the naive kernel (one invocation per output, W row-major)
 * beside both kernel families of engine/matmul-plan.ts (W transposed): workgroup-memory tiles with
 * the matrix-vector kernel for few rows (GPUs), and register blocks (CPU adapters); then the
 * adapter's default family at the bench's row count and at 1 row (decode). Each figure is GFLOP/s
 * and its fraction of the FMA peak measured on the same adapter.
 *
 *   npm run bench -- matmul [--large] [--unsafe] [--rows N]
 *
 * Default sizes finish in minutes on software Vulkan (lavapipe); --large runs 512-row prefill
 * blocks, every weight format and more repeats (a real GPU).
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/gpu/device.js';
import type { WeightFormat } from '../engine/gpu/kernels.js';
import { defaultKernelFamily } from '../engine/model/kernel-family.js';
import { MATVEC_MAX_ROWS } from '../engine/model/matmul-plan.js';
import { RandomFill } from '../engine/model/random-weights.js';
import { benchDevice, describeContext, fmt, isEntry, measurePeaks, percent, printTable, runMain, storage, timeLaunches, type Peaks } from './gpu-bench.js';
import { engineMatmulChoice, gpuFamilyChoice, matmulLaunches, type MatmulKernelChoice } from './matmul-launches.js';

interface Shape {
  readonly name: string;
  readonly n: number;
  readonly k: number;
}

const SHAPES_18B: readonly Shape[] = [
  { name: '1.8B wo 2048×2048', n: 2048, k: 2048 },
  { name: '1.8B wqkv 4096×2048', n: 4096, k: 2048 },
  { name: '1.8B w1/w3 8192×2048', n: 8192, k: 2048 },
  { name: '1.8B w2 2048×8192', n: 2048, k: 8192 },
  { name: '1.8B head 92544×2048', n: 92544, k: 2048 },
];
const SHAPES_FIXTURE: readonly Shape[] = [
  { name: 'tiny wqkv 128×64', n: 128, k: 64 },
  { name: 'tiny w1/w3 176×64', n: 176, k: 64 },
  { name: 'tiny w2 64×176', n: 64, k: 176 },
  { name: 'tiny head 384×64', n: 384, k: 64 },
];

export interface MatmulFigures {
  readonly shape: string;
  readonly format: WeightFormat;
  readonly rows: number;
  readonly naive: number;
  /** matmul-plan.ts's families at `rows` rows: workgroup tiles (GPU) and register blocks (CPU). */
  readonly tiles: number;
  readonly blocks: number;
  /** The family this adapter runs by default, at `rows` and at 1 row (decode). */
  readonly engine: number;
  readonly engineOneRow: number;
  readonly naiveOneRow: number;
}

export async function benchMatmul(context: GpuContext, peaks: Peaks, options: { large: boolean; rows?: number }): Promise<MatmulFigures[]> {
  const random = await RandomFill.create(context, 1);
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
  const family = defaultKernelFamily(context.adapter);
  const formats: WeightFormat[] = options.large ? (context.hasShaderF16 ? ['bf16', 'f16', 'f32'] : ['bf16', 'f32']) : ['bf16'];
  const cases: { shape: Shape; format: WeightFormat; rows: number }[] = [];
  for (const shape of SHAPES_18B) {
    for (const format of formats) cases.push({ shape, format, rows: options.rows ?? (options.large ? 512 : shape.n > 50000 ? 16 : 64) });
  }
  for (const shape of SHAPES_FIXTURE) cases.push({ shape, format: 'f32', rows: options.rows ?? 256 });
  const figures: MatmulFigures[] = [];
  for (const { shape, format, rows } of cases) {
    const w = random.matrix(shape.name, shape.n, shape.k, format, 'kn', Math.sqrt(3 / shape.k), maxBinding);
    const x = storage(context, rows * shape.k * 4, 'x');
    random.fill(x, rows * shape.k, 'f32', 1);
    const y = storage(context, rows * shape.n * 4, 'y');
    const rate = async (kernel: MatmulKernelChoice, r: number): Promise<number> => {
      const { launches, release } = await matmulLaunches(context, kernel, w, x, y, r);
      // Small shapes repeat inside one submit so that each timing spans ~0.5 GFLOP (noise on a shared CPU).
      const iterations = Math.max(1, Math.min(64, Math.round(5e8 / (2 * r * shape.n * shape.k))));
      const seconds = await timeLaunches(context, launches, { iterations, repeats: options.large ? 5 : 1 });
      release();
      return (2 * r * shape.n * shape.k) / seconds / 1e9;
    };
    // The naive kernel reads W row-major; the same random buffer serves (timing only).
    const naive = await rate('naive', rows);
    // The GPU family as the engine runs it here (its subgroup matvec up to MATVEC_MAX_ROWS rows where the adapter has subgroups).
    const tiles = await rate(gpuFamilyChoice(context), rows);
    const blocks = await rate('cpu', rows);
    // The CPU family as the engine runs it here: with subgroups, matmul_blocked_shuffle.wgsl above 8 rows.
    const engine = family === 'gpu' ? tiles : engineMatmulChoice(context) === 'cpu subgroups' ? await rate('cpu subgroups', rows) : blocks;
    const naiveOneRow = await rate('naive', 1);
    const engineOneRow = await rate(engineMatmulChoice(context), 1);
    figures.push({ shape: shape.name, format, rows, naive, tiles, blocks, engine, engineOneRow, naiveOneRow });
    for (const chunk of w.chunks) chunk.buffer.destroy();
    x.destroy();
    y.destroy();
    process.stderr.write(`  matmul ${shape.name} ${format} done\n`);
  }
  const peak = peaks.flops / 1e9;
  printTable(
    `Matmul GFLOP/s (FMA peak ${fmt(peak)} GFLOP/s). tiles: workgroup-memory tiles (up to ${MATVEC_MAX_ROWS} rows the ${gpuFamilyChoice(context) === 'gpu' ? 'split-k' : 'subgroup'} matvec); blocks: register blocks (matmul_blocked.wgsl); engine: ${engineMatmulChoice(context)}, this adapter's default (1 row: subgroup matvec where a GPU has subgroups; a CPU adapter with subgroups: matmul_blocked_shuffle.wgsl above 8 rows)`,
    ['shape', 'W', 'rows', 'naive', 'tiles', 'blocks', 'engine', 'engine/naive', 'engine % peak', '1 row: naive', 'engine', 'engine/naive'],
    figures.map((f) => [f.shape, f.format, String(f.rows), fmt(f.naive), fmt(f.tiles), fmt(f.blocks), fmt(f.engine), `${fmt(f.engine / f.naive)}×`, percent(f.engine, peak), fmt(f.naiveOneRow), fmt(f.engineOneRow), `${fmt(f.engineOneRow / f.naiveOneRow)}×`]),
  );
  return figures;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false }, rows: { type: 'string' } } });
  const context = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(context)}\n`);
  const peaks = await measurePeaks(context, values.large ?? false);
  process.stdout.write(`Peaks: copy ${fmt(peaks.bandwidth / 1e9)} GB/s, f32 FMA ${fmt(peaks.flops / 1e9)} GFLOP/s\n`);
  await benchMatmul(context, peaks, { large: values.large ?? false, ...(values.rows ? { rows: Number(values.rows) } : {}) });
}

if (isEntry(import.meta.url)) runMain(main);
