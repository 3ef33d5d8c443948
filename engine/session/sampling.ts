/**
 * Choosing the next token on the host from one row of logits: temperature, then nucleus (top-p)
 * truncation, then a draw from a seeded generator owned by the sequence — so the same seed and prompt
 * give the same tokens whatever else is in the batch.
 */
import seedrandom from 'seedrandom';

export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  const generator = seedrandom(String(seed));
  return () => generator.quick();
}

export function sampleToken(logits: Float32Array, temperature: number, topP: number, random: RandomSource): number {
  if (!(temperature > 0)) throw new Error('temperature must be > 0 for sampling (omit sampling for greedy decoding)');
  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  const order = Array.from(logits.keys());
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i += 1) {
    const w = Math.exp(((logits[i] ?? -Infinity) - max) / temperature);
    weights[i] = w;
    total += w;
  }
  order.sort((a, b) => (weights[b] ?? 0) - (weights[a] ?? 0) || a - b);
  // Keep the smallest prefix of the sorted tokens whose probability mass reaches topP.
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) {
    mass += weights[order[kept] ?? 0] ?? 0;
    kept += 1;
  }
  let draw = random() * mass;
  for (let i = 0; i < kept; i += 1) {
    const token = order[i] ?? 0;
    draw -= weights[token] ?? 0;
    if (draw <= 0) return token;
  }
  return order[kept - 1] ?? 0;
}
