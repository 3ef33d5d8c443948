/**
 * Seeded random inputs for kernel tests, and the host-side rounding that turns f32 values into the
 * f16 / bf16 weights a kernel reads (so references can be computed on exactly those values).
 */
import seedrandom from 'seedrandom';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../engine/checkpoint/half-precision.js';
import { float32ToBfloat16Bits } from '../../engine/checkpoint/safetensors-writer.js';
import type { WeightFormat } from '../../engine/gpu/kernels.js';

export type Random = () => number;

export function seededRandom(seed: string): Random {
  return seedrandom(seed);
}

/** Uniform values in [low, high), stored as f32 (so the f64 reference sees the kernel's inputs exactly). */
export function uniformFloats(random: Random, length: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 1) out[i] = low + (high - low) * random();
  return out;
}

/** Integers in [0, bound). */
export function uniformIntegers(random: Random, length: number, bound: number): Uint32Array {
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i += 1) out[i] = Math.floor(random() * bound);
  return out;
}

/** f16 storage of `values` and the f32 values it holds (round-to-nearest-even). */
export function toFloat16(values: Float32Array): { bits: Uint16Array; values: Float32Array } {
  const bits = float32ToFloat16Bits(values);
  const rounded = new Float32Array(bits.length);
  bits.forEach((b, i) => {
    rounded[i] = float16BitsToFloat32(b);
  });
  return { bits, values: rounded };
}

/**
 * bf16 storage of `values` as safetensors stores it (little-endian u16 per value, so element 2i is
 * the low half of word i) and the f32 values it holds: a bf16 value is the top half of an f32.
 */
export function toBfloat16(values: Float32Array): { bits: Uint16Array; values: Float32Array } {
  const bits = float32ToBfloat16Bits(values);
  const words = new Uint32Array(bits.length);
  bits.forEach((b, i) => {
    words[i] = b << 16;
  });
  return { bits, values: new Float32Array(words.buffer) };
}

/** Values as the GPU stores them in `format` (the buffer data), and the f32 values that storage holds. */
export function weightStorage(format: WeightFormat, values: Float32Array): { data: Float32Array | Uint16Array; values: Float32Array } {
  if (format === 'f32') return { data: values, values };
  const rounded = format === 'f16' ? toFloat16(values) : toBfloat16(values);
  return { data: rounded.bits, values: rounded.values };
}
