/**
 * Per-cell randomness. Each cell's generator is seeded from a hash of (global seed, length, depth,
 * repeat) alone, so a cell gets the same needle, distractors and prompt whatever order the grid is
 * run in, whichever cells ran before it, and whether the sweep was resumed.
 */
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';

/** A uniform float in [0, 1). */
export type RandomSource = () => number;

/** Hex digest naming a cell's randomness; recorded so a cell can be reproduced alone. */
export function cellSeed(globalSeed: number | string, lengthTarget: number, depthTarget: number, repeat: number): string {
  return createHash('sha256').update(`needle|${globalSeed}|${lengthTarget}|${depthTarget}|${repeat}`).digest('hex').slice(0, 16);
}

/**
 * Seed for the haystack window of a repeat. It leaves out length and depth on purpose: within one
 * repeat every cell reads the same text from the same start, so cells in a row or column differ
 * only in how much text there is and where the needle sits.
 */
export function haystackSeed(globalSeed: number | string, repeat: number): string {
  return createHash('sha256').update(`haystack|${globalSeed}|${repeat}`).digest('hex').slice(0, 16);
}

export function randomSource(seed: string): RandomSource {
  return seedrandom(seed);
}

/** Integer in [0, n). */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** A seeded Fisher–Yates shuffle (returns a new array). */
export function shuffled<T>(random: RandomSource, items: readonly T[]): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = randomIndex(random, index + 1);
    const kept = out[index] as T;
    out[index] = out[other] as T;
    out[other] = kept;
  }
  return out;
}
