import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { normaliseText, textUnits } from '../../../harness/contamination/normalise.js';
import { BenchmarkNgramIndex } from '../../../harness/contamination/ngram-index.js';
import { scanCorpus } from '../../../harness/contamination/corpus-scan.js';

/** Thirty-word items from a seeded vocabulary; filler text uses words no item contains. */
function words(random: () => number, count: number, prefix: string): string[] {
  return Array.from({ length: count }, () => `${prefix}${Math.floor(random() * 5000).toString(36)}`);
}

describe('normalisation', () => {
  it('lowercases, strips ASCII and CJK punctuation, collapses whitespace, splits CJK into characters', () => {
    expect(normaliseText('  The QUICK,  brown\tfox!\n"jumps"  ')).toBe('the quick brown fox jumps');
    expect(textUnits('使用位填充方法，以01111110为位首flag。')).toEqual(['使', '用', '位', '填', '充', '方', '法', '以', '01111110', '为', '位', '首', 'flag']);
    // Full-width Latin letters and digits fold to ASCII (NFKC).
    expect(normaliseText('ＴＣＰ端对端（１２）')).toBe('tcp 端 对 端 12');
  });
});

describe('n-gram overlap rules on planted corpora', () => {
  const random = seedrandom('planted');
  const items = Array.from({ length: 5 }, () => words(random, 30, 'w'));
  const cjkItem = '在802.3标准中，发送帧之前需要监听介质，等待冲突结束后再发送数据帧。';
  const shortItem = 'only five words are here';
  const texts = [...items.map((w) => w.join(' ')), cjkItem, shortItem];
  const filler = (count: number): string => words(random, count, 'filler').join(' ');

  const changed = [...(items[1] ?? [])];
  changed[15] = 'replacedword';
  const half = (items[2] ?? []).slice(0, 15).join(' ');
  const variant = (items[4] ?? []).map((w, i) => (i % 3 === 0 ? `${w.toUpperCase()},` : i % 5 === 0 ? `"${w}"!` : w)).join('  ');
  const cjkVariant = '在802.3标准中,发送帧之前需要监听介质;等待冲突结束后再发送数据帧!';

  it('labels each planted case exactly under the GPT-3 and PaLM rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-ngram-'));
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, [filler(200), (items[0] ?? []).join(' '), filler(50), changed.join(' '), filler(50), half, filler(50), variant, filler(30), cjkVariant, shortItem, filler(20)].join('\n'));
    const index = new BenchmarkNgramIndex(texts);
    const stats = await scanCorpus(index, [corpus], { jsonlField: 'text' });
    const [verbatim, oneChanged, halfOverlap, absent, caseVariant, cjk, short] = index.overlaps();

    expect(verbatim).toMatchObject({ units: 30, gpt3: { total: 18, matched: 18, label: 'dirty' }, palm: { total: 23, matched: 23, fraction: 1, label: 'dirty' }, coverage: 1, label: 'dirty' });
    expect(verbatim?.firstMatch).toEqual({ file: corpus, line: 2 });
    // One word changed at unit 15: 13-grams starting 0..2 and 16..17 survive (5 of 18); 8-grams
    // starting 0..7 and 16..22 survive (15 of 23 = 65%, under the 70% threshold).
    expect(oneChanged).toMatchObject({ gpt3: { matched: 5, label: 'dirty' }, palm: { matched: 15, label: 'partial' }, coverage: 29 / 30, label: 'partial' });
    expect(oneChanged?.palm.fraction).toBeCloseTo(15 / 23, 12);
    // First half only: 13-grams 0..2, 8-grams 0..7, units 0..14 covered.
    expect(halfOverlap).toMatchObject({ gpt3: { matched: 3, label: 'dirty' }, palm: { matched: 8, label: 'partial' }, coverage: 0.5, label: 'partial' });
    expect(absent).toMatchObject({ gpt3: { matched: 0, label: 'clean' }, palm: { matched: 0, fraction: 0, label: 'clean' }, coverage: 0, label: 'clean', firstMatch: null });
    expect(caseVariant).toMatchObject({ gpt3: { matched: 18, label: 'dirty' }, palm: { matched: 23, label: 'dirty' }, coverage: 1, label: 'dirty' });
    expect(cjk).toMatchObject({ gpt3: { label: 'dirty' }, palm: { fraction: 1, label: 'dirty' }, coverage: 1, label: 'dirty' });
    expect(short).toMatchObject({ units: 5, gpt3: { total: 0, label: 'too-short' }, palm: { total: 0, fraction: null, label: 'too-short' }, coverage: null, label: 'too-short' });
    expect(stats.files).toHaveLength(1);
    expect(stats.units).toBeGreaterThan(500);
  });

  it('finds an item that straddles a 1 MiB chunk boundary, and does not join JSONL records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-ngram-'));
    const head = 'x'.repeat(1) + ' ' + filler(200_000);
    const cut = (1 << 20) - 40;
    const big = join(dir, 'big.txt');
    writeFileSync(big, `${head.slice(0, cut)} ${(items[0] ?? []).join(' ')} tail`);
    const jsonl = join(dir, 'split.jsonl');
    const words3 = items[3] ?? [];
    writeFileSync(jsonl, `${JSON.stringify({ text: words3.slice(0, 15).join(' ') })}\n${JSON.stringify({ text: words3.slice(15).join(' ') })}\n${JSON.stringify({ other: 1 })}\n`);
    const index = new BenchmarkNgramIndex(texts);
    const stats = await scanCorpus(index, [dir], { jsonlField: 'text' });
    const overlaps = index.overlaps();
    expect(overlaps[0]).toMatchObject({ label: 'dirty', coverage: 1 });
    // Each record holds one half: 8-grams within each half are found, none across the boundary.
    expect(overlaps[3]).toMatchObject({ gpt3: { matched: 3 + 3 }, palm: { matched: 8 + 8, label: 'partial' }, coverage: 1 });
    expect(stats.files.map((f) => [f.kind, f.documents, f.recordsWithoutField])).toEqual([['text', 1, 0], ['jsonl', 3, 1]]);
  });
});
