/**
 * The KV cache: per layer one key and one value buffer of `slots` sequences × `maxLen` positions ×
 * KV heads × head dim, stored as f32 or f16 (kv_write/ and kv_read/ in shaders/ convert). It grows on
 * demand within the memory plan, and copies a shared prefix from one slot into others.
 */
import type { InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { UserError } from '../errors.js';
import { createStorageBuffer } from '../gpu/gpu-tensor.js';
import { kvLayerBytes } from './memory-plan.js';

export type KvCacheFormat = 'f32' | 'f16';

export interface KvLayerBuffers {
  readonly k: GPUBuffer;
  readonly v: GPUBuffer;
}

export class KvCache {
  private slotCount = 0;
  private maxLength = 0;
  private buffers: KvLayerBuffers[] = [];
  private scratch: GPUBuffer | undefined;

  /** Refuses a format the adapter or the attention kernels cannot use. */
  static checkFormat(context: GpuContext, format: KvCacheFormat, attention: 'blocked' | 'per-row'): void {
    if (format === 'f16' && !context.hasShaderF16) {
      throw new UserError('an f16 KV cache needs the adapter feature shader-f16, which this adapter lacks', 'use the default f32 KV cache (harness doctor lists the features)');
    }
    if (format === 'f16' && attention === 'per-row') throw new Error('the per-row attention baseline reads an f32 KV cache only');
  }

  constructor(
    private readonly device: GPUDevice,
    private readonly config: InternLM2Config,
    readonly format: KvCacheFormat,
  ) {}

  get bytesPerValue(): number {
    return this.format === 'f16' ? 2 : 4;
  }

  get slots(): number {
    return this.slotCount;
  }

  get maxLen(): number {
    return this.maxLength;
  }

  /** The layer's key and value buffers (after the first grow). */
  layer(index: number): KvLayerBuffers {
    const buffers = this.buffers[index];
    if (!buffers) throw new Error(`KV cache layer ${index} is not allocated`);
    return buffers;
  }

  /**
   * Makes room for `slots` sequences of up to `maxLen` positions; `checkFits` throws a UserError when
   * a size would not fit the memory plan, before anything is freed. Contents are not preserved.
   * Returns false when the cache was already large enough.
   */
  grow(slots: number, maxLen: number, checkFits: (slots: number, maxLen: number) => void): boolean {
    if (slots <= this.slotCount && maxLen <= this.maxLength) return false;
    let newSlots = Math.max(slots, this.slotCount);
    let newMaxLen = Math.max(maxLen, this.maxLength);
    try {
      checkFits(newSlots, newMaxLen);
    } catch (error) {
      // Growing both dimensions may not fit where the request itself does (many short sequences
      // before, one long one now): shrink to exactly what is asked.
      if (!(error instanceof UserError)) throw error;
      newSlots = slots;
      newMaxLen = maxLen;
      checkFits(newSlots, newMaxLen);
    }
    const bytes = kvLayerBytes(this.config, newSlots, newMaxLen, this.bytesPerValue);
    this.destroyLayers();
    for (let l = 0; l < this.config.layers; l += 1) {
      this.buffers.push({ k: createStorageBuffer(this.device, bytes, `k cache ${l}`), v: createStorageBuffer(this.device, bytes, `v cache ${l}`) });
    }
    this.slotCount = newSlots;
    this.maxLength = newMaxLen;
    return true;
  }

  /** Throws unless `positions` positions from `position` on lie inside slot `slot`'s part of the cache. */
  checkInside(slot: number, position: number, positions = 1): void {
    if (slot >= this.slotCount || position + positions > this.maxLength) {
      const where = positions === 1 ? `position ${position}` : `positions ${position}..${position + positions - 1}`;
      throw new Error(`row (slot ${slot}, ${where}) outside the KV cache (${this.slotCount} × ${this.maxLength})`);
    }
  }

  /**
   * Copies positions [0, length) of one slot into others (a shared prefix). WebGPU forbids a
   * buffer-to-buffer copy within one buffer, so the prefix goes through a scratch buffer.
   */
  copyPrefix(fromSlot: number, toSlots: readonly number[], length: number): void {
    if (toSlots.length === 0 || length === 0) return;
    const c = this.config;
    const slotBytes = this.maxLength * c.kvHeads * c.headDim * this.bytesPerValue;
    const bytes = length * c.kvHeads * c.headDim * this.bytesPerValue;
    if (!this.scratch || this.scratch.size < bytes) {
      this.scratch?.destroy();
      this.scratch = createStorageBuffer(this.device, bytes, 'kv prefix scratch');
    }
    const scratch = this.scratch;
    const encoder = this.device.createCommandEncoder({ label: 'kv prefix copy' });
    for (const { k, v } of this.buffers) {
      for (const buffer of [k, v]) {
        encoder.copyBufferToBuffer(buffer, fromSlot * slotBytes, scratch, 0, bytes);
        for (const to of toSlots) encoder.copyBufferToBuffer(scratch, 0, buffer, to * slotBytes, bytes);
      }
    }
    this.device.queue.submit([encoder.finish()]);
  }

  dispose(): void {
    this.destroyLayers();
    this.scratch?.destroy();
  }

  private destroyLayers(): void {
    for (const { k, v } of this.buffers) {
      k.destroy();
      v.destroy();
    }
    this.buffers = [];
  }
}
