import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { BenchmarkNgramIndex } from '../../../harness/contamination/ngram-index.js';
import { scanCorpus } from '../../../harness/contamination/corpus-scan.js';

// 100 MB is 200 MB as UTF-16 strings: a scan that kept the corpus would blow far past the bound below.
const CORPUS_MB = 100;

describe('streaming corpus scan', () => {
  it(`scans a ${CORPUS_MB} MB corpus with heap growth bounded by the benchmark, not the corpus`, async () => {
    const random = seedrandom('stream');
    const vocabulary = Array.from({ length: 2000 }, (_, i) => `word${i.toString(36)}`);
    const pick = (): string => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'word';
    const items = Array.from({ length: 200 }, () => Array.from({ length: 25 }, pick).join(' '));
    // Corpus text shares the benchmark's vocabulary, so every window is looked up (the slow path).
    const block = Array.from({ length: 120_000 }, pick).join(' ');
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-stream-'));
    const file = join(dir, 'corpus.txt');
    const fd = openSync(file, 'w');
    let written = 0;
    let block_index = 0;
    while (written < CORPUS_MB * 1e6) {
      // Plant a verbatim item every 20 blocks; the last one planted is at the very end.
      const planted = block_index % 20 === 0 ? `\n${items[block_index / 20] ?? ''}\n` : '\n';
      written += writeSync(fd, block + planted);
      block_index += 1;
    }
    writeSync(fd, `\n${items[199] ?? ''}\n`);
    closeSync(fd);

    const index = new BenchmarkNgramIndex(items);
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const started = Date.now();
    const stats = await scanCorpus(index, [file], {
      jsonlField: 'text',
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    rmSync(dir, { recursive: true, force: true });

    const overlaps = index.overlaps();
    const plantedCount = Math.ceil(block_index / 20);
    expect(stats.bytes).toBeGreaterThan(CORPUS_MB * 1e6);
    for (let item = 0; item < plantedCount; item += 1) expect(overlaps[item]?.label).toBe('dirty');
    expect(overlaps[199]?.label).toBe('dirty');
    // Heap growth stays far below the corpus size (a buffered corpus would need > 400 MB as UTF-16).
    const growthMb = (peak - baseline) / 1e6;
    console.log(`scanned ${(stats.bytes / 1e6).toFixed(0)} MB, ${stats.units} units in ${seconds.toFixed(1)} s; peak heap growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(64);
  }, 120_000);
});
