/**
 * Refuses weights that hold NaN or ±Inf, at load time. One such value turns every log-prob into NaN,
 * and NaN log-probs look like a model that answers "A" to everything (argmax keeps the first letter)
 * — a silent 25–50% accuracy. The check runs on the GPU over the uploaded buffers (shaders/
 * weight_check.wgsl: one pass over each tensor's bytes, a few counters back), so it costs a fraction
 * of the upload, and names the tensor and the position of its first bad value.
 */
import { UserError } from '../errors.js';
import type { GpuContext } from '../gpu/device.js';
import type { WeightFormat } from '../gpu/kernels.js';
import { kernelCache } from '../gpu/kernels.js';
import { createStorageBuffer } from '../gpu/gpu-tensor.js';
import { createUniform } from '../gpu/uniforms.js';

/** One GPU buffer to check, and how to name a position in it. */
export interface WeightCheckTarget {
  readonly buffer: GPUBuffer;
  /** Bytes of weights in the buffer (the rest is zero padding). */
  readonly bytes: number;
  readonly format: WeightFormat;
  /** "file: tensor NAME, row R, column C" for the buffer's element `index`. */
  readonly locate: (index: number) => { readonly file: string; readonly tensor: string; readonly where: string };
}

const FORMAT_CODE: Record<WeightFormat, number> = { f32: 0, f16: 1, bf16: 2 };
const WORKGROUP = 256;
/** Workgroups per dispatch; threads stride over larger buffers. */
const MAX_WORKGROUPS = 4096;

export interface NonFiniteWeight {
  readonly target: WeightCheckTarget;
  readonly count: number;
  readonly firstIndex: number;
}

/** Counts non-finite values per target on the GPU; returns the targets that hold any. */
export async function findNonFiniteWeights(context: GpuContext, targets: readonly WeightCheckTarget[]): Promise<NonFiniteWeight[]> {
  if (targets.length === 0) return [];
  const { device } = context;
  const pipeline = await kernelCache(device).pipeline({ file: 'weight_check.wgsl' });
  const resultBytes = targets.length * 8;
  const results = createStorageBuffer(device, resultBytes, 'weight check results');
  const initial = new Uint32Array(Math.ceil(resultBytes / 4));
  for (let slot = 0; slot < targets.length; slot += 1) initial[2 * slot + 1] = 0xffffffff;
  device.queue.writeBuffer(results, 0, initial);
  const uniforms: GPUBuffer[] = [];
  const encoder = device.createCommandEncoder({ label: 'weight check' });
  const pass = encoder.beginComputePass({ label: 'weight check' });
  pass.setPipeline(pipeline);
  targets.forEach((target, slot) => {
    const words = Math.ceil(target.bytes / 4);
    const params = createUniform(device, 'weight check params', [{ u32: words }, { u32: FORMAT_CODE[target.format] }, { u32: slot }]);
    uniforms.push(params);
    pass.setBindGroup(0, device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer: target.buffer } }, { binding: 2, resource: { buffer: results } }],
    }));
    pass.dispatchWorkgroups(Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(words / WORKGROUP))));
  });
  pass.end();
  const readback = device.createBuffer({ label: 'weight check readback', size: results.size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  encoder.copyBufferToBuffer(results, 0, readback, 0, results.size);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const counts = new Uint32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  readback.destroy();
  results.destroy();
  for (const buffer of uniforms) buffer.destroy();
  const found: NonFiniteWeight[] = [];
  targets.forEach((target, slot) => {
    const count = counts[2 * slot] ?? 0;
    if (count > 0) found.push({ target, count, firstIndex: counts[2 * slot + 1] ?? 0 });
  });
  return found;
}

/** Throws a UserError naming the first tensor (in load order) that holds NaN or ±Inf. */
export async function checkWeightsFinite(context: GpuContext, targets: readonly WeightCheckTarget[]): Promise<void> {
  const found = await findNonFiniteWeights(context, targets);
  const first = found[0];
  if (!first) return;
  const place = first.target.locate(first.firstIndex);
  const others = new Set(found.slice(1).map((f) => f.target.locate(f.firstIndex).tensor).filter((name) => name !== place.tensor));
  throw new UserError(
    `${place.file}: tensor ${place.tensor} holds ${first.count} non-finite value(s) (NaN or ±Inf), the first at ${place.where}${others.size > 0 ? `; ${others.size} other tensor(s) too, e.g. ${[...others][0] ?? ''}` : ''}`,
    'the checkpoint is damaged (or was saved after training diverged): download it again and compare its hashes, or use an earlier checkpoint',
  );
}
