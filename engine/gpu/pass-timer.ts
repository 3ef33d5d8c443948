/**
 * GPU time of compute passes from timestamp queries (the adapter feature 'timestamp-query'): each
 * pass gets a begin/end pair, and `read` sums end − begin over the passes since the last read.
 * Benchmarks use it to split a decode step into GPU time and host overhead (wall time − GPU time).
 * Dawn rounds timestamps to ~65 µs unless the toggle timestamp_quantization is off, which
 * engine/device.ts does.
 */
export class PassTimer {
  private readonly device: GPUDevice;
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly capacity: number;
  private used = 0;
  private overflowed = false;

  /** `passes`: most passes timed between two reads (later ones go untimed and `read` throws). */
  constructor(device: GPUDevice, passes = 256) {
    if (!device.features.has('timestamp-query')) throw new Error('the device was created without timestamp-query');
    this.device = device;
    this.capacity = passes;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * passes, label: 'pass timer' });
    this.resolveBuffer = device.createBuffer({ size: 16 * passes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'pass timer resolve' });
  }

  /** Timestamp writes for the next pass (undefined past capacity). */
  nextPass(): GPUComputePassTimestampWrites | undefined {
    if (this.used >= this.capacity) {
      this.overflowed = true;
      return undefined;
    }
    const index = 2 * this.used;
    this.used += 1;
    return { querySet: this.querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 };
  }

  /** Seconds of GPU time of the passes timed since the last read; call after their submits. */
  async read(): Promise<number> {
    if (this.overflowed) throw new Error(`more than ${this.capacity} passes between two reads of the pass timer`);
    const count = 2 * this.used;
    if (count === 0) return 0;
    const staging = this.device.createBuffer({ size: 8 * count, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ, label: 'pass timer readback' });
    const encoder = this.device.createCommandEncoder({ label: 'pass timer resolve' });
    encoder.resolveQuerySet(this.querySet, 0, count, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, staging, 0, 8 * count);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    let nanoseconds = 0n;
    for (let i = 0; i < count; i += 2) {
      const begin = stamps[i] ?? 0n;
      const end = stamps[i + 1] ?? 0n;
      if (end > begin) nanoseconds += end - begin;
    }
    this.used = 0;
    return Number(nanoseconds) / 1e9;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
