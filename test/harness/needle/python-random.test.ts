/**
 * PythonRandom against CPython's `random` (python-random.json was written by python3 3.11 with a
 * stdlib-only snippet: per seed, random.seed(seed) then getrandbits(32) ×5, random() ×3,
 * shuffle(list(range(50))), choice(range(7)) ×5, randint(1, 100) ×5, sample(range(30), 5) and
 * sample(range(200), 10) — each group after a fresh seed except the two samples, drawn in a row).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PythonRandom } from '../../../harness/needle/needlebench/python-random.js';

interface Case {
  seed: number;
  getrandbits32: number[];
  random: number[];
  shuffle50: number[];
  choice7: number[];
  randint1_100: number[];
  sample30_5: number[];
  sample200_10: number[];
}

const expected = JSON.parse(readFileSync(new URL('./data/python-random.json', import.meta.url), 'utf8')) as { cases: Case[] };
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('PythonRandom reproduces CPython random', () => {
  it.each(expected.cases.map((c) => [c.seed, c] as const))('seed %s', (seed, c) => {
    const random = new PythonRandom(seed);
    expect(range(5).map(() => random.getrandbits(32))).toEqual(c.getrandbits32);
    random.seed(seed);
    expect(range(3).map(() => random.random())).toEqual(c.random);
    random.seed(seed);
    const items = range(50);
    random.shuffle(items);
    expect(items).toEqual(c.shuffle50);
    random.seed(seed);
    expect(range(5).map(() => random.choice(range(7)))).toEqual(c.choice7);
    random.seed(seed);
    expect(range(5).map(() => random.randint(1, 100))).toEqual(c.randint1_100);
    random.seed(seed);
    expect(random.sample(range(30), 5)).toEqual(c.sample30_5);
    expect(random.sample(range(200), 10)).toEqual(c.sample200_10);
  });
});
