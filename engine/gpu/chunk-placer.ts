/**
 * Places a loading checkpoint's weight chunks into their GPU buffers. 'nk' chunks go in as stored;
 * 'kn' chunks (the matmul kernels' transposed layout, see gpu-tensor.ts) are written as stored into
 * a staging buffer and transposed there by the device (shaders/transpose_weights.wgsl), so the host
 * only reads the file and copies each byte once, and the device's threads (lavapipe's, on a CPU
 * adapter) transpose one chunk while the host reads the next. Shapes the kernel does not take (odd
 * rows or columns of 16-bit values: none of InternLM2's) and `transpose: 'host'` (the old path, kept
 * as the load bench's baseline) transpose in JavaScript instead (transposeBytes).
 *
 * A LoadProfile collects the host's seconds by phase (reading, converting, transposing on the host,
 * writing to the device, waiting for it) for bench/load.ts.
 */
import { kernelCache } from './kernels.js';
import type { WeightFormat } from './kernels.js';
import { createUniform } from './uniforms.js';

/** Where 'kn' chunks are transposed: by the device from a staging buffer, or on the host. */
export type TransposeSite = 'device' | 'host';

/** Phases of a load, in the order a report lists them. */
export const LOAD_PHASES = ['open', 'tokenizer', 'read', 'convert', 'transpose (host)', 'write', 'device wait', 'weight check', 'kernels'] as const;
export type LoadPhase = (typeof LOAD_PHASES)[number];

/** Host seconds by load phase; overlapping device work shows up only as 'device wait'. */
export class LoadProfile {
  private readonly seconds = new Map<LoadPhase, number>();

  add(phase: LoadPhase, seconds: number): void {
    this.seconds.set(phase, (this.seconds.get(phase) ?? 0) + seconds);
  }

  async time<T>(phase: LoadPhase, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, (performance.now() - started) / 1000);
    }
  }

  /** Every phase that took time, in LOAD_PHASES order. */
  phases(): { phase: LoadPhase; seconds: number }[] {
    return LOAD_PHASES.filter((phase) => this.seconds.has(phase)).map((phase) => ({ phase, seconds: this.seconds.get(phase) ?? 0 }));
  }
}

const BYTES: Record<WeightFormat, number> = { f32: 4, f16: 2, bf16: 2 };
/** Invocations per workgroup of transpose_weights.wgsl (WG_X × WG_Y), each a 2 × 2 block. */
const TRANSPOSE_WG_X = 16;
const TRANSPOSE_WG_Y = 4;
/** Transposes submitted and not yet finished, at most: bounds the device's staging copies in host memory. */
const MAX_IN_FLIGHT = 2;

export interface PlacedChunk {
  readonly buffer: GPUBuffer;
}

export class ChunkPlacer {
  private staging: GPUBuffer | undefined;
  private readonly inFlight: Promise<void>[] = [];
  private readonly uniforms: GPUBuffer[] = [];

  private constructor(
    private readonly device: GPUDevice,
    private readonly transpose: TransposeSite,
    readonly profile: LoadProfile | undefined,
    private readonly pipeline: GPUComputePipeline | undefined,
  ) {}

  static async create(device: GPUDevice, options: { transpose?: TransposeSite; profile?: LoadProfile } = {}): Promise<ChunkPlacer> {
    const transpose = options.transpose ?? 'device';
    const pipeline = transpose === 'device' ? await kernelCache(device).pipeline({ file: 'transpose_weights.wgsl' }) : undefined;
    return new ChunkPlacer(device, transpose, options.profile, pipeline);
  }

  /** Whether transpose_weights.wgsl takes a chunk of this shape (16-bit values pair up in words). */
  static deviceTransposes(rows: number, cols: number, format: WeightFormat): boolean {
    return BYTES[format] === 4 || (rows % 2 === 0 && cols % 2 === 0);
  }

  /**
   * A buffer holding `data` (rows × cols values of `format`, row-major as stored) in `layout`
   * ('kn': transposed). The device may still be writing it: finish() waits for every chunk.
   */
  async place(label: string, rows: number, cols: number, format: WeightFormat, data: Uint8Array, layout: 'nk' | 'kn'): Promise<GPUBuffer> {
    const buffer = createChunkBuffer(this.device, data.byteLength, label);
    if (layout === 'nk') {
      this.time('write', () => writePadded(this.device, buffer, 0, data));
      return buffer;
    }
    if (this.transpose === 'host' || !this.pipeline || !ChunkPlacer.deviceTransposes(rows, cols, format)) {
      const placed = this.time('transpose (host)', () => transposeBytes(data, rows, cols, BYTES[format]));
      this.time('write', () => writePadded(this.device, buffer, 0, placed));
      return buffer;
    }
    // At most MAX_IN_FLIGHT transposes queued: the device's copies of their data stay bounded.
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.timeAsync('device wait', this.inFlight.shift() as Promise<void>);
    const staging = this.stagingFor(data.byteLength);
    // Queue order makes this write wait for the previous transpose's reads of the same staging buffer.
    this.time('write', () => writePadded(this.device, staging, 0, data));
    const halves = BYTES[format] === 2 ? 1 : 0;
    const params = createUniform(this.device, `${label} transpose`, [{ u32: rows }, { u32: cols }, { u32: halves }]);
    this.uniforms.push(params);
    const pipeline = this.pipeline;
    const encoder = this.device.createCommandEncoder({ label: `${label} transpose` });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer: staging } }, { binding: 2, resource: { buffer } }],
    }));
    pass.dispatchWorkgroups(Math.ceil(cols / 2 / TRANSPOSE_WG_X), Math.ceil(rows / 2 / TRANSPOSE_WG_Y), 1);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.inFlight.push(this.device.queue.onSubmittedWorkDone());
    return buffer;
  }

  /** Waits for every queued transpose and frees the staging buffers. */
  async finish(): Promise<void> {
    await this.timeAsync('device wait', Promise.all(this.inFlight.splice(0)));
    this.staging?.destroy();
    this.staging = undefined;
    for (const buffer of this.uniforms.splice(0)) buffer.destroy();
  }

  private stagingFor(bytes: number): GPUBuffer {
    if (!this.staging || this.staging.size < bytes) {
      // Destroying a buffer that queued work still reads is safe: the device frees it after that work.
      this.staging?.destroy();
      this.staging = createChunkBuffer(this.device, bytes, 'weight staging (stored rows)');
    }
    return this.staging;
  }

  private time<T>(phase: LoadPhase, work: () => T): T {
    if (!this.profile) return work();
    const started = performance.now();
    const result = work();
    this.profile.add(phase, (performance.now() - started) / 1000);
    return result;
  }

  private async timeAsync<T>(phase: LoadPhase, work: Promise<T>): Promise<T> {
    return this.profile ? this.profile.time(phase, () => work) : work;
  }
}

function createChunkBuffer(device: GPUDevice, bytes: number, label: string): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
}

/** [rows][cols] elements of `bytesPerValue` bytes → [cols][rows]. */
export function transposeBytes(data: Uint8Array, rows: number, cols: number, bytesPerValue: number): Uint8Array {
  const aligned = data.byteOffset % bytesPerValue === 0 ? data : data.slice();
  const out = new Uint8Array(rows * cols * bytesPerValue);
  if (bytesPerValue === 4) {
    const from = new Uint32Array(aligned.buffer, aligned.byteOffset, rows * cols);
    const to = new Uint32Array(out.buffer);
    for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) to[c * rows + r] = from[r * cols + c] as number;
  } else {
    const from = new Uint16Array(aligned.buffer, aligned.byteOffset, rows * cols);
    const to = new Uint16Array(out.buffer);
    for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) to[c * rows + r] = from[r * cols + c] as number;
  }
  return out;
}

/** writeBuffer needs a multiple of 4 bytes. */
export function writePadded(device: GPUDevice, buffer: GPUBuffer, offset: number, data: Uint8Array): void {
  if (data.byteLength % 4 === 0) {
    device.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  padded.set(data);
  device.queue.writeBuffer(buffer, offset, padded.buffer, 0, padded.byteLength);
}
