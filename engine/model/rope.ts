/**
 * Rotary position embeddings on the host: the RoPE base for a sequence (with InternLM2's dynamic NTK
 * or linear scaling) and per-row cos/sin tables computed in f64, then stored as f32.
 *
 * Convention past max_position_embeddings (dynamic NTK): like Hugging Face's implementation with a
 * KV cache, each forward call rotates its rows with the base for the sequence length at the end of
 * that call, and cached keys keep the rotation they were computed with. One full prefill therefore
 * equals the reference's single forward pass; prefill-then-decode past the limit differs from it,
 * exactly as the reference's own cached generation does.
 */
import type { InternLM2Config } from '../checkpoint/config.js';

export function ropeBase(config: InternLM2Config, sequenceLength: number): number {
  const scaling = config.ropeScaling;
  if (scaling?.type === 'dynamic' && sequenceLength > config.maxPositions) {
    const d = config.headDim;
    return config.ropeTheta * ((scaling.factor * sequenceLength) / config.maxPositions - (scaling.factor - 1)) ** (d / (d - 2));
  }
  return config.ropeTheta;
}

/**
 * Writes cos (first half) and sin (second half) for one row into `table` at `rowIndex * headDim`:
 * angle_i = position * base^(-2i / headDim), positions divided by the factor under linear scaling.
 */
export function writeRopeRow(table: Float32Array, rowIndex: number, position: number, base: number, config: InternLM2Config): void {
  const d = config.headDim;
  const half = d / 2;
  const scaledPosition = config.ropeScaling?.type === 'linear' ? position / config.ropeScaling.factor : position;
  const offset = rowIndex * d;
  for (let i = 0; i < half; i += 1) {
    const inverseFrequency = 1 / base ** ((2 * i) / d);
    const angle = scaledPosition * inverseFrequency;
    table[offset + i] = Math.cos(angle);
    table[offset + half + i] = Math.sin(angle);
  }
}
