/**
 * Shared pieces of the engine benchmarks: the device (optionally with Dawn's unsafe speed toggles,
 * never used by tests), timing of encoded GPU work, the adapter's measured peaks (a copy kernel for
 * bandwidth, an f32 FMA loop for compute) and table printing.
 *
 * Timing is wall-clock around submit → onSubmittedWorkDone, after a warm-up, median of repeats: on
 * software Vulkan it is exact enough; on a real GPU it includes ~10–50 µs of submit latency per
 * repeat, which the benches amortise by encoding several iterations per submit.
 */
import { isUserError } from '../engine/errors.js';
import { acquireDevice, type GpuContext } from '../engine/gpu/device.js';
import { kernelCache, type KernelSpec } from '../engine/gpu/kernels.js';
import { composeShader } from '../engine/gpu/shader-source.js';
import { createUniform } from '../engine/gpu/uniforms.js';

export interface BenchOptions {
  /** Dawn's disable_robustness + skip_validation (benchmarks only). */
  readonly unsafe: boolean;
}

export async function benchDevice(options: BenchOptions): Promise<GpuContext> {
  return acquireDevice(options.unsafe ? { enableToggles: ['disable_robustness', 'skip_validation'] } : {});
}

export interface KernelLaunch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
}

export async function launch(context: GpuContext, spec: KernelSpec, resources: readonly (GPUBuffer | undefined)[], workgroups: readonly [number, number, number]): Promise<KernelLaunch> {
  const pipeline = await kernelCache(context.device).pipeline(spec);
  const entries: GPUBindGroupEntry[] = [];
  resources.forEach((buffer, binding) => {
    if (buffer) entries.push({ binding, resource: { buffer } });
  });
  return { pipeline, bindGroup: context.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), workgroups };
}

/** One compute pass that dispatches `launches` in order, `iterations` times. */
export function encodeLaunches(context: GpuContext, launches: readonly KernelLaunch[], iterations = 1): GPUCommandBuffer {
  const encoder = context.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (let i = 0; i < iterations; i += 1) {
    for (const l of launches) {
      pass.setPipeline(l.pipeline);
      pass.setBindGroup(0, l.bindGroup);
      pass.dispatchWorkgroups(l.workgroups[0], l.workgroups[1], l.workgroups[2]);
    }
  }
  pass.end();
  return encoder.finish();
}

/** Seconds per iteration of `launches` (one compute pass each iteration), median of `repeats`. */
export async function timeLaunches(context: GpuContext, launches: readonly KernelLaunch[], options: { iterations?: number; repeats?: number } = {}): Promise<number> {
  const iterations = options.iterations ?? 1;
  const repeats = options.repeats ?? 3;
  const device = context.device;
  const run = async (): Promise<number> => {
    const commands = encodeLaunches(context, launches, iterations);
    const started = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - started) / 1000 / iterations;
  };
  await run(); // warm-up: first-use compilation and allocation
  const times: number[] = [];
  for (let r = 0; r < repeats; r += 1) times.push(await run());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export function storage(context: GpuContext, bytes: number, label: string): GPUBuffer {
  return context.device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
}

export interface Peaks {
  /** Copy bandwidth, bytes per second (read + write). */
  readonly bandwidth: number;
  /** f32 FMA loop, flop per second. */
  readonly flops: number;
}

/** Copy and FMA peaks; sizes scale down on a software adapter so they finish in seconds. */
export async function measurePeaks(context: GpuContext, large: boolean): Promise<Peaks> {
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
  const bytes = Math.min(maxBinding, large ? 1024 * 2 ** 20 : 64 * 2 ** 20);
  const vectors = bytes / 16;
  const groups = Math.ceil(vectors / 256);
  const groupsX = Math.min(groups, 32768);
  const src = storage(context, bytes, 'copy src');
  const dst = storage(context, bytes, 'copy dst');
  const copyParams = createUniform(context.device, 'copy params', [{ u32: vectors }, { u32: groupsX }]);
  const copy = await launch(context, { file: 'bench_copy.wgsl' }, [copyParams, src, dst], [groupsX, Math.ceil(groups / groupsX), 1]);
  const copySeconds = await timeLaunches(context, [copy], { iterations: large ? 10 : 2 });

  const threads = large ? 256 * 4096 : 256 * 64;
  const iterations = large ? 4096 : 1024;
  const out = storage(context, threads * 4, 'fma out');
  const fmaParams = createUniform(context.device, 'fma params', [{ u32: iterations }]);
  const fma = await launch(context, { file: 'bench_fma.wgsl' }, [fmaParams, out], [threads / 256, 1, 1]);
  const fmaSeconds = await timeLaunches(context, [fma], { iterations: large ? 5 : 1 });
  for (const b of [src, dst, out, copyParams, fmaParams]) b.destroy();
  return { bandwidth: (2 * bytes) / copySeconds, flops: (threads * iterations * 64) / fmaSeconds };
}

export function describeContext(context: GpuContext): string {
  const a = context.adapter;
  return `${a.description || a.device || a.vendor} (${a.backend}; binding limit ${(context.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB; workgroup memory ${context.limits.maxComputeWorkgroupStorageSize} B${context.hasShaderF16 ? '; shader-f16' : ''}${context.hasSubgroups ? '; subgroups' : ''})`;
}

export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '—';
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

export function percent(value: number, peak: number): string {
  return Number.isFinite(value) ? `${((100 * value) / peak).toFixed(0)}%` : '—';
}

/** Runs a bench's main and exits explicitly (Dawn keeps Node alive; see engine/device.ts). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      // A UserError (a bad flag, npm unreachable) is two lines and exit 2, as the CLI prints it; anything else is a bug.
      if (isUserError(error)) {
        process.stderr.write(`error: ${error.message}\n  fix: ${error.hint}\n`);
        process.exit(2);
      }
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

/** True when this module is the process's entry script. */
export function isEntry(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && new URL(metaUrl).pathname === entry;
}

/** A pipeline for a non-`main` entry point (benchmark-only shaders with several phases). */
export async function entryPipeline(context: GpuContext, file: string, entryPoint: string): Promise<GPUComputePipeline> {
  const module = context.device.createShaderModule({ code: composeShader([file]), label: file });
  return context.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint }, label: `${file}:${entryPoint}` });
}

export function bindAll(context: GpuContext, pipeline: GPUComputePipeline, resources: readonly (GPUBuffer | undefined)[], workgroups: readonly [number, number, number]): KernelLaunch {
  const entries: GPUBindGroupEntry[] = [];
  resources.forEach((buffer, binding) => {
    if (buffer) entries.push({ binding, resource: { buffer } });
  });
  return { pipeline, bindGroup: context.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), workgroups };
}

export function benchDescribe(): string {
  return `gnomon engine benchmarks — ${new Date().toISOString()} — node ${process.version}`;
}
