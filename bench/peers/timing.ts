/**
 * What the peer bench measures and how its figures are summarised: the prompts both engines get,
 * and min / median / max over repeats.
 */

/** One measured point: a prefill of `tokens`, `tokens` decode steps after `context`, or a load. */
export type MeasuredPoint =
  | { readonly kind: 'prefill'; readonly tokens: number }
  | { readonly kind: 'decode'; readonly context: number; readonly tokens: number }
  | { readonly kind: 'load' };

export function pointLabel(point: MeasuredPoint): string {
  switch (point.kind) {
    case 'prefill': return `prefill ${point.tokens}`;
    case 'decode': return `decode ${point.tokens} after ${point.context}`;
    case 'load': return 'load';
  }
}

/**
 * The prompt of one timed call: `length` ids in [3, vocabSize) (past <unk>, <s>, </s>) from
 * xorshift32 seeded by `salt`. Different salts give different first tokens, so neither engine can
 * reuse a previous call's prefix: gnomon's session keeps the last prefix's KV, and llama.cpp's
 * sequence is cleared before every call anyway.
 */
export function promptIds(length: number, vocabSize: number, salt: number): number[] {
  const span = vocabSize - 3;
  let x = (salt * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  const ids: number[] = [];
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    ids.push(3 + ((x >>> 0) % span));
  }
  // The first token alone names the salt: consecutive salts never share a first token.
  ids[0] = 3 + (salt % span);
  return ids;
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

/** Largest |a[i] − b[i]|; the arrays must be the same length and finite. */
export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`maxAbsDifference: ${a.length} values against ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!Number.isFinite(d)) throw new Error(`non-finite log-prob at position ${i + 1}: ${a[i]} vs ${b[i]}`);
    max = Math.max(max, d);
  }
  return max;
}
