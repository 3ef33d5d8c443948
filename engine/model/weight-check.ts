/**
 * Refuses weights that hold NaN or ±Inf, at load time. One such value turns every log-prob into NaN,
 * and NaN log-probs look like a model that answers "A" to everything (argmax keeps the first letter)
 * — a silent 25–50% accuracy. The check runs on the GPU over the uploaded buffers (shaders/
 * weight_check.wgsl: one pass over each tensor's bytes, a few counters back), so it costs a fraction
 * of the upload, and names the tensor and the position of its first bad value. A loader streams it
 * (WeightCheck): each matrix is checked on the device as soon as it is written.
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
  const check = await WeightCheck.create(context);
  check.add(targets);
  return check.finish();
}

/**
 * The check as a loader streams it: each batch of targets is dispatched as soon as its buffers are
 * written (queue order puts the check after the writes), so the device counts one matrix while
 * the host reads the next; finish() reads every batch's counters back at once.
 */
export class WeightCheck {
  private readonly batches: { targets: readonly WeightCheckTarget[]; results: GPUBuffer }[] = [];
  private readonly uniforms: GPUBuffer[] = [];

  private constructor(private readonly device: GPUDevice, private readonly pipeline: GPUComputePipeline) {}

  static async create(context: GpuContext): Promise<WeightCheck> {
    return new WeightCheck(context.device, await kernelCache(context.device).pipeline({ file: 'weight_check.wgsl' }));
  }

  /** Dispatches the check of `targets` (after every write queued so far). */
  add(targets: readonly WeightCheckTarget[]): void {
    if (targets.length === 0) return;
    const { device, pipeline } = this;
    const resultBytes = targets.length * 8;
    const results = createStorageBuffer(device, resultBytes, 'weight check results');
    const initial = new Uint32Array(Math.ceil(resultBytes / 4));
    for (let slot = 0; slot < targets.length; slot += 1) initial[2 * slot + 1] = 0xffffffff;
    device.queue.writeBuffer(results, 0, initial);
    const encoder = device.createCommandEncoder({ label: 'weight check' });
    const pass = encoder.beginComputePass({ label: 'weight check' });
    pass.setPipeline(pipeline);
    targets.forEach((target, slot) => {
      const words = Math.ceil(target.bytes / 4);
      const params = createUniform(device, 'weight check params', [{ u32: words }, { u32: FORMAT_CODE[target.format] }, { u32: slot }]);
      this.uniforms.push(params);
      pass.setBindGroup(0, device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer: target.buffer } }, { binding: 2, resource: { buffer: results } }],
      }));
      pass.dispatchWorkgroups(Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(words / WORKGROUP))));
    });
    pass.end();
    device.queue.submit([encoder.finish()]);
    this.batches.push({ targets, results });
  }

  /** The targets that hold non-finite values, in the order they were added; frees the check's buffers. */
  async finish(): Promise<NonFiniteWeight[]> {
    const { device } = this;
    const sizes = this.batches.map((batch) => batch.targets.length * 8);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const found: NonFiniteWeight[] = [];
    if (total > 0) {
      const readback = device.createBuffer({ label: 'weight check readback', size: total, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
      const encoder = device.createCommandEncoder({ label: 'weight check readback' });
      let offset = 0;
      this.batches.forEach((batch, i) => {
        encoder.copyBufferToBuffer(batch.results, 0, readback, offset, sizes[i] as number);
        offset += sizes[i] as number;
      });
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const counts = new Uint32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      readback.destroy();
      let slot = 0;
      for (const batch of this.batches) {
        for (const target of batch.targets) {
          const count = counts[2 * slot] ?? 0;
          if (count > 0) found.push({ target, count, firstIndex: counts[2 * slot + 1] ?? 0 });
          slot += 1;
        }
      }
    }
    for (const batch of this.batches.splice(0)) batch.results.destroy();
    for (const buffer of this.uniforms.splice(0)) buffer.destroy();
    return found;
  }
}

/** Throws a UserError naming the first tensor (in load order) that holds NaN or ±Inf. */
export async function checkWeightsFinite(context: GpuContext, targets: readonly WeightCheckTarget[]): Promise<void> {
  reportNonFiniteWeights(await findNonFiniteWeights(context, targets));
}

/** Throws a UserError naming the first of `found` (WeightCheck's load order), if any. */
export function reportNonFiniteWeights(found: readonly NonFiniteWeight[]): void {
  const first = found[0];
  if (!first) return;
  const place = first.target.locate(first.firstIndex);
  const others = new Set(found.slice(1).map((f) => f.target.locate(f.firstIndex).tensor).filter((name) => name !== place.tensor));
  throw new UserError(
    `${place.file}: tensor ${place.tensor} holds ${first.count} non-finite value(s) (NaN or ±Inf), the first at ${place.where}${others.size > 0 ? `; ${others.size} other tensor(s) too, e.g. ${[...others][0] ?? ''}` : ''}`,
    'the checkpoint is damaged (or was saved after training diverged): download it again and compare its hashes, or use an earlier checkpoint',
  );
}
