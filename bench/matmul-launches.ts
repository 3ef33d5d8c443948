/**
 * The dispatches one matmul y = x Wᵀ takes over every row chunk of W: the naive baseline, or a
 * kernel family's variant for the row count (engine/matmul-plan.ts), bound the way engine/model.ts
 * binds them, with a chunk-sum scratch buffer where the variant needs one.
 */
import type { GpuContext } from '../engine/gpu/device.js';
import type { GpuMatrix } from '../engine/gpu/gpu-tensor.js';
import { defaultKernelFamily, type KernelFamily } from '../engine/model/kernel-family.js';
import { matmulBindings, matmulKernel, matmulSubgroupSize, matmulVariantFor, partialsBufferBytes, type MatmulTarget } from '../engine/model/matmul-plan.js';
import { createUniform } from '../engine/gpu/uniforms.js';
import { launch, storage, type KernelLaunch } from './gpu-bench.js';

/**
 * The untiled baseline (W row-major), or a kernel family of engine/matmul-plan.ts; 'gpu' and 'cpu'
 * plan without subgroups, 'gpu subgroups' and 'cpu subgroups' with the adapter's (where it has them);
 * 'cpu 1-row block' is the CPU family's decode kernel before its workgroups were sized to W (decode-bandwidth's baseline).
 */
export type MatmulKernelChoice = 'naive' | KernelFamily | 'gpu subgroups' | 'cpu subgroups' | 'cpu 1-row block';

/** The GPU family as the engine would run it on this adapter: with subgroups where it has them. */
export function gpuFamilyChoice(context: GpuContext): 'gpu' | 'gpu subgroups' {
  return context.hasSubgroups ? 'gpu subgroups' : 'gpu';
}

/** What the engine runs on this adapter by default: its kernel family, with subgroups where it has them. */
export function engineMatmulChoice(context: GpuContext): Exclude<MatmulKernelChoice, 'naive' | 'cpu 1-row block'> {
  if (defaultKernelFamily(context.adapter) === 'gpu') return gpuFamilyChoice(context);
  return context.hasSubgroups ? 'cpu subgroups' : 'cpu';
}

function targetOf(context: GpuContext, kernel: Exclude<MatmulKernelChoice, 'naive' | 'cpu 1-row block'>): MatmulTarget {
  switch (kernel) {
    case 'gpu subgroups':
      return { kernels: 'gpu', subgroupMinSize: matmulSubgroupSize(context) };
    case 'cpu subgroups':
      return { kernels: 'cpu', subgroupMinSize: matmulSubgroupSize(context) };
    default:
      return { kernels: kernel, subgroupMinSize: 0 };
  }
}

export async function matmulLaunches(context: GpuContext, kernel: MatmulKernelChoice, w: GpuMatrix, x: GPUBuffer, y: GPUBuffer, rows: number): Promise<{ launches: KernelLaunch[]; release: () => void }> {
  const launches: KernelLaunch[] = [];
  const owned: GPUBuffer[] = [createUniform(context.device, 'step', [{ u32: rows }])];
  const step = owned[0] as GPUBuffer;
  const shapes = w.chunks.map((chunk) => ({ n: chunk.rowCount, k: w.cols }));
  const target = kernel === 'naive' || kernel === 'cpu 1-row block' ? undefined : targetOf(context, kernel);
  const partialsBytes = target ? partialsBufferBytes(target, shapes) : 0;
  const partials = partialsBytes > 0 ? storage(context, partialsBytes, 'matmul chunk sums') : undefined;
  if (partials) owned.push(partials);
  for (const chunk of w.chunks) {
    const params = createUniform(context.device, 'params', [{ u32: chunk.rowCount }, { u32: w.cols }, { u32: chunk.rowStart }, { u32: w.rows }, { u32: 0 }]);
    owned.push(params);
    const buffers = { params, weights: chunk.buffer, x, y, step, partials };
    if (kernel === 'cpu 1-row block') {
      // The CPU family's decode kernel before its workgroups were sized to W: 64 invocations of 16 columns, 1024 columns a workgroup.
      launches.push(await launch(context, matmulKernel('matmul_blocked.wgsl', w.format, ['matmul_blocks/1x4.wgsl']), matmulBindings('whole', buffers), [Math.ceil(chunk.rowCount / 1024), rows, 1]));
      continue;
    }
    if (!target) {
      launches.push(await launch(context, matmulKernel('matmul_naive.wgsl', w.format), matmulBindings('whole', buffers), [Math.ceil(chunk.rowCount / 64), rows, 1]));
      continue;
    }
    const variant = matmulVariantFor(target, w.format, { n: chunk.rowCount, k: w.cols }, partialsBytes, rows);
    for (const pass of variant.passes) launches.push(await launch(context, pass.spec, matmulBindings(pass.role, buffers), pass.workgroups(rows)));
  }
  return { launches, release: () => owned.forEach((buffer) => buffer.destroy()) };
}
