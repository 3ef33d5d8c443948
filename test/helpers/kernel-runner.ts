/**
 * Runs one WGSL kernel in isolation for unit tests: storage buffers from typed arrays, a bind group
 * from a list of buffers indexed by binding number (as engine/model.ts binds them), one dispatch,
 * and readback. Every buffer a runner creates is destroyed by `release()`.
 *
 * Bind-group creation, dispatch and submit run inside a validation error scope, so a binding that
 * does not match the shader fails the test at that dispatch with Dawn's message instead of leaving
 * the output buffer silently unwritten.
 */
import { sharedDevice, type GpuContext } from '../../engine/gpu/device.js';
import { afterEach, expect } from 'vitest';
import { kernelCache, type KernelSpec, type WeightFormat } from '../../engine/gpu/kernels.js';
import { createUniform, type UniformField } from '../../engine/gpu/uniforms.js';

export type Workgroups = readonly [number, number, number];

export class KernelRunner {
  readonly context: GpuContext;
  readonly device: GPUDevice;
  private readonly created: GPUBuffer[] = [];

  private constructor(context: GpuContext) {
    this.context = context;
    this.device = context.device;
  }

  /** A runner on the process's shared device (the one models use). */
  static async open(): Promise<KernelRunner> {
    return new KernelRunner(await sharedDevice());
  }

  /**
   * A runner for one test file: after each test it destroys that test's buffers and fails the test
   * on any WebGPU error (validation, device loss) reported meanwhile — taken from the list, so that
   * one test's error is not blamed on the next.
   */
  static async forEachTest(): Promise<KernelRunner> {
    const runner = await KernelRunner.open();
    afterEach(() => {
      runner.release();
      expect(runner.context.errors.splice(0), 'WebGPU errors').toEqual([]);
    });
    return runner;
  }

  /** The weight storage formats this adapter runs (f16 needs shader-f16). */
  get weightFormats(): WeightFormat[] {
    return this.context.hasShaderF16 ? ['f32', 'f16', 'bf16'] : ['f32', 'bf16'];
  }

  /**
   * A storage buffer holding `data` (padded with zero bytes to a multiple of 16, which writeBuffer
   * and binding sizes need; an odd number of f16/bf16 values leaves the last word half padding).
   */
  storage(data: Float32Array | Uint32Array | Uint16Array, label = 'storage'): GPUBuffer {
    const bytes = new Uint8Array(Math.max(16, Math.ceil(data.byteLength / 16) * 16));
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const buffer = this.device.createBuffer({
      label,
      size: bytes.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(buffer, 0, bytes);
    this.created.push(buffer);
    return buffer;
  }

  /** A uniform buffer with one 4-byte field per entry, in order (the kernel's Params struct). */
  uniform(fields: readonly UniformField[], label = 'params'): GPUBuffer {
    const buffer = createUniform(this.device, label, fields);
    this.created.push(buffer);
    return buffer;
  }

  /** The shared `Step` uniform: the number of rows the kernel must process. */
  step(rows: number): GPUBuffer {
    return this.uniform([{ u32: rows }], 'step');
  }

  /**
   * Compiles (through the engine's pipeline cache) and dispatches `spec` once. `bindings[i]` is
   * bound at @binding(i); undefined entries are skipped (bindings the shader does not declare).
   */
  async dispatch(spec: KernelSpec, bindings: readonly (GPUBuffer | undefined)[], workgroups: Workgroups): Promise<void> {
    const pipeline = await kernelCache(this.device).pipeline(spec);
    const entries: GPUBindGroupEntry[] = [];
    bindings.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    this.device.pushErrorScope('validation');
    const bindGroup = this.device.createBindGroup({ label: spec.file, layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.device.createCommandEncoder({ label: spec.file });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const error = await this.device.popErrorScope();
    if (error) throw new Error(`validation error dispatching ${spec.file}${spec.weightFormat ? ` (${spec.weightFormat} weights)` : ''}: ${error.message}`);
  }

  /** The first `length` f32 values of a buffer (waits for all submitted work). */
  async readFloat32(buffer: GPUBuffer, length: number): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(buffer, length * 4));
  }

  async readUint32(buffer: GPUBuffer, length: number): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(buffer, length * 4));
  }

  private async readBytes(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    // Copies need a multiple of 4 bytes and may not run past the source; runner buffers are padded to 16.
    const size = Math.min(buffer.size, Math.max(16, Math.ceil(byteLength / 16) * 16));
    const staging = this.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = this.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange(0, byteLength).slice(0);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  /** Destroys every buffer this runner created. */
  release(): void {
    for (const buffer of this.created.splice(0)) buffer.destroy();
  }
}
