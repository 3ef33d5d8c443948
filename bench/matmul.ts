/**
 * Matmul throughput, y = x Wᵀ, for InternLM2-1.8B shapes (hidden 2048, intermediate 8192, vocab
 * 92,544) and the fixtures' tiny shapes: the naive kernel (one invocation per output, W row-major)
 * beside the tiled kernel (64×64 tiles in workgroup memory, W transposed), and the decode
 * matrix-vector kernel at 1 row. Each figure is GFLOP/s and its fraction of the FMA peak measured on
 * the same adapter.
 *
 *   npm run bench -- matmul [--large] [--unsafe] [--rows N]
 *
 * Default sizes finish in minutes on software Vulkan (lavapipe); --large runs 512-row prefill
 * blocks, every weight format and more repeats (a real GPU).
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/device.js';
import type { GpuMatrix } from '../engine/gpu-tensor.js';
import type { WeightFormat } from '../engine/kernels.js';
import { RandomFill } from '../engine/random-weights.js';
import { createUniform } from '../engine/uniforms.js';
import { benchDevice, describeContext, fmt, isEntry, launch, measurePeaks, percent, printTable, runMain, storage, timeLaunches, type KernelLaunch, type Peaks } from './gpu-bench.js';

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

/** Dispatches of one kernel over every chunk of W. */
async function matmulLaunches(context: GpuContext, file: string, w: GpuMatrix, x: GPUBuffer, y: GPUBuffer, rows: number): Promise<{ launches: KernelLaunch[]; release: () => void }> {
  const launches: KernelLaunch[] = [];
  const uniforms: GPUBuffer[] = [createUniform(context.device, 'step', [{ u32: rows }])];
  const step = uniforms[0] as GPUBuffer;
  for (const chunk of w.chunks) {
    const params = createUniform(context.device, 'params', [{ u32: chunk.rowCount }, { u32: w.cols }, { u32: chunk.rowStart }, { u32: w.rows }, { u32: 0 }]);
    uniforms.push(params);
    const groups: [number, number, number] = file === 'matmul_naive.wgsl' ? [Math.ceil(chunk.rowCount / 64), rows, 1]
      : file === 'matmul_tiled.wgsl' ? [Math.ceil(chunk.rowCount / 64), Math.ceil(rows / 64), 1]
        : [Math.ceil(chunk.rowCount / 256), 1, 1];
    launches.push(await launch(context, { file, weightFormat: w.format }, [params, chunk.buffer, x, y, step], groups));
  }
  return { launches, release: () => uniforms.forEach((u) => u.destroy()) };
}

export interface MatmulFigures {
  readonly shape: string;
  readonly format: WeightFormat;
  readonly rows: number;
  readonly naive: number;
  readonly tiled: number;
  readonly matvec: number;
  readonly engine: number;
}

export async function benchMatmul(context: GpuContext, peaks: Peaks, options: { large: boolean; rows?: number }): Promise<MatmulFigures[]> {
  const random = await RandomFill.create(context, 1);
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
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
    const rate = async (file: string, r: number): Promise<number> => {
      const { launches, release } = await matmulLaunches(context, file, w, x, y, r);
      // Small shapes repeat inside one submit so that each timing spans ~0.5 GFLOP (noise on a shared CPU).
      const iterations = Math.max(1, Math.min(64, Math.round(5e8 / (2 * r * shape.n * shape.k))));
      const seconds = await timeLaunches(context, launches, { iterations, repeats: options.large ? 5 : 1 });
      release();
      return (2 * r * shape.n * shape.k) / seconds / 1e9;
    };
    // The naive kernel reads W row-major; the same random buffer serves (timing only).
    const naive = await rate('matmul_naive.wgsl', rows);
    const tiled = await rate('matmul_tiled.wgsl', rows);
    const matvec = await rate('matvec.wgsl', 1);
    // What the model runs at this row count: matvec up to 16 rows (its MAX_ROWS), tiled above.
    const engine = rows <= 16 ? await rate('matvec.wgsl', rows) : tiled;
    figures.push({ shape: shape.name, format, rows, naive, tiled, matvec, engine });
    for (const chunk of w.chunks) chunk.buffer.destroy();
    x.destroy();
    y.destroy();
    process.stderr.write(`  matmul ${shape.name} ${format} done\n`);
  }
  const peak = peaks.flops / 1e9;
  printTable(
    `Matmul GFLOP/s (FMA peak ${fmt(peak)} GFLOP/s; engine pick: matvec up to 16 rows, tiled above)`,
    ['shape', 'W', 'rows', 'naive', 'tiled', 'tiled/naive', 'tiled % peak', 'engine pick', 'engine/naive', 'matvec (1 row)'],
    figures.map((f) => [f.shape, f.format, String(f.rows), fmt(f.naive), fmt(f.tiled), `${fmt(f.tiled / f.naive)}×`, percent(f.tiled, peak), fmt(f.engine), `${fmt(f.engine / f.naive)}×`, fmt(f.matvec)]),
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
