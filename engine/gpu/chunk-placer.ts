/**
 * Places a loading checkpoint's weight chunks into their GPU buffers. 'nk' chunks go in as stored;
 * 'kn' chunks (the matmul kernels' transposed layout, see gpu-tensor.ts) are transposed either
 *   - by the device ('device'): written as stored into a staging buffer and transposed there
 *     (shaders/transpose_weights.wgsl), so the host only reads the file and copies each byte once,
 *     and the device transposes one chunk while the host reads the next; or
 *   - by the host ('host'): transposeBytes, in cache-sized tiles, 16-bit values two words at a time,
 *     into a reused buffer, then written. On a CPU adapter this is the faster of the two: lavapipe
 *     runs the shader on the same cores, one load and store per SIMD lane (bench/load.ts).
 * 16-bit chunks with an odd row or column count (none of InternLM2's) always take the host path. The chunk as
 * read and as transposed live in host buffers reused from chunk to chunk: fresh pages fault on first
 * touch, which cost the development machine ~40 ms per 64 MiB.
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
/** transpose_weights.wgsl: word columns per workgroup (WG), stored rows per invocation (RUN). */
const TRANSPOSE_WORKGROUP = 64;
const TRANSPOSE_RUN = 64;
/** Transposes submitted and not yet finished, at most: bounds the device's staging copies in host memory. */
const MAX_IN_FLIGHT = 2;

export class ChunkPlacer {
  private staging: GPUBuffer | undefined;
  /** Host buffers reused for every chunk: the chunk as read, and as transposed on the host. */
  private readonly readScratch: (Uint8Array | undefined)[] = [];
  private transposeScratch: Uint8Array | undefined;
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

  /** Whether transpose_weights.wgsl takes a chunk of this shape (16-bit values: rows pair up in words). */
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
      if (!this.transposeScratch || this.transposeScratch.byteLength < data.byteLength) this.transposeScratch = new Uint8Array(data.byteLength);
      const scratch = this.transposeScratch;
      const placed = this.time('transpose (host)', () => transposeBytes(data, rows, cols, BYTES[format], scratch));
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
    const wordColumns = halves === 1 ? cols / 2 : cols;
    pass.dispatchWorkgroups(Math.ceil(wordColumns / TRANSPOSE_WORKGROUP), Math.ceil(rows / TRANSPOSE_RUN), 1);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.inFlight.push(this.device.queue.onSubmittedWorkDone());
    return buffer;
  }

  /**
   * A host buffer of at least `bytes` to read the next chunk into: the same one every time for a
   * lane (fresh pages fault on first touch), so its contents last only until the lane's next
   * place(). Uploads that run at the same time use different lanes.
   */
  readBuffer(bytes: number, lane = 0): Uint8Array {
    let scratch = this.readScratch[lane];
    if (!scratch || scratch.byteLength < bytes) {
      scratch = new Uint8Array(bytes);
      this.readScratch[lane] = scratch;
    }
    return scratch.subarray(0, bytes);
  }

  /** Waits for every queued transpose and frees the staging buffers. */
  async finish(): Promise<void> {
    await this.timeAsync('device wait', Promise.all(this.inFlight.splice(0)));
    this.staging?.destroy();
    this.staging = undefined;
    this.readScratch.length = 0;
    this.transposeScratch = undefined;
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

/** Rows × columns of a tile of the host transpose: a tile's loads and stores stay in the L1 cache. */
const HOST_TILE = 64;

/**
 * [rows][cols] elements of `bytesPerValue` bytes → [cols][rows], into `out` when given (at least as
 * long as `data`; a loader reuses one to skip fresh pages' faults). In tiles of HOST_TILE; 16-bit
 * values with even rows and columns move as words, two stored rows' words into two placed words
 * (5× the one-value-at-a-time loop: 61 against 298 ms per 64 MiB on the development machine).
 */
export function transposeBytes(data: Uint8Array, rows: number, cols: number, bytesPerValue: number, out?: Uint8Array): Uint8Array {
  const length = rows * cols * bytesPerValue;
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  const placed = out && out.byteOffset % 4 === 0 && out.byteLength >= length ? out.subarray(0, length) : new Uint8Array(length);
  if (bytesPerValue === 2 && rows % 2 === 0 && cols % 2 === 0) {
    transposeWordPairs(new Uint32Array(aligned.buffer, aligned.byteOffset, length / 4), new Uint32Array(placed.buffer, placed.byteOffset, length / 4), rows, cols / 2);
    return placed;
  }
  const from = bytesPerValue === 4 ? new Uint32Array(aligned.buffer, aligned.byteOffset, rows * cols) : new Uint16Array(aligned.buffer, aligned.byteOffset, rows * cols);
  const to = bytesPerValue === 4 ? new Uint32Array(placed.buffer, placed.byteOffset, rows * cols) : new Uint16Array(placed.buffer, placed.byteOffset, rows * cols);
  for (let r0 = 0; r0 < rows; r0 += HOST_TILE) {
    const r1 = Math.min(r0 + HOST_TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += HOST_TILE) {
      const c1 = Math.min(c0 + HOST_TILE, cols);
      for (let c = c0; c < c1; c += 1) {
        let at = r0 * cols + c;
        let put = c * rows + r0;
        for (let r = r0; r < r1; r += 1, at += cols) to[put++] = from[at] as number;
      }
    }
  }
  return placed;
}

/**
 * 16-bit values as words (value 2i in the low half): stored words (r, w) and (r + 1, w) hold values
 * (r, 2w), (r, 2w + 1), (r + 1, 2w), (r + 1, 2w + 1), which become the placed words (2w, r/2) and
 * (2w + 1, r/2).
 */
function transposeWordPairs(from: Uint32Array, to: Uint32Array, rows: number, words: number): void {
  const half = rows / 2;
  const tileWords = HOST_TILE / 2;
  for (let r0 = 0; r0 < rows; r0 += HOST_TILE) {
    const r1 = Math.min(r0 + HOST_TILE, rows);
    for (let w0 = 0; w0 < words; w0 += tileWords) {
      const w1 = Math.min(w0 + tileWords, words);
      for (let w = w0; w < w1; w += 1) {
        let even = 2 * w * half + r0 / 2;
        let odd = even + half;
        for (let at = r0 * words + w, r = r0; r < r1; r += 2, at += 2 * words) {
          const top = from[at] as number;
          const bottom = from[at + words] as number;
          to[even++] = (top & 0xffff) | (bottom << 16);
          to[odd++] = (top >>> 16) | (bottom & 0xffff0000);
        }
      }
    }
  }
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
