/**
 * What the UTF-8/binary check costs a contamination scan: every corpus file is read once more
 * before the n-gram scan (harness/text-file.ts: native UTF-8 validation and a NUL search per 1 MiB
 * chunk). Prints the check's seconds beside the whole scan's (which includes it) for a generated
 * corpus of mixed English-like words and CJK, so the share of the check is visible.
 *
 *   npx tsc -p . && node dist/bench/corpus-text-check.js [--mb 200]
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { BenchmarkNgramIndex } from '../harness/contamination/ngram-index.js';
import { scanCorpus } from '../harness/contamination/corpus-scan.js';
import { fileTextProblem } from '../harness/text-file.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' } } });
const megabytes = Number(values.mb);
const random = seedrandom('corpus-check');
const vocabulary = [...Array.from({ length: 2000 }, (_, i) => `word${i.toString(36)}`), '中文', '测试', '位填充'];
const pick = (): string => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'word';
const dir = mkdtempSync(join(tmpdir(), 'gnomon-bench-check-'));
const file = join(dir, 'corpus.txt');
const block = `${Array.from({ length: 100_000 }, pick).join(' ')}\n`;
const fd = openSync(file, 'w');
let written = 0;
while (written < megabytes * 1e6) written += writeSync(fd, block);
closeSync(fd);
const items = Array.from({ length: 200 }, () => Array.from({ length: 25 }, pick).join(' '));

try {
  let started = performance.now();
  const problem = fileTextProblem(file);
  const checkSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await scanCorpus(new BenchmarkNgramIndex(items), [file], { jsonlField: 'text' });
  const scanSeconds = (performance.now() - started) / 1000;
  console.log(`corpus ${(written / 1e6).toFixed(0)} MB (${problem ? `problem: ${problem.kind}` : 'valid UTF-8'})`);
  console.log(`UTF-8/binary check  ${checkSeconds.toFixed(2)} s  (${(written / 1e6 / checkSeconds).toFixed(0)} MB/s)`);
  console.log(`n-gram scan (incl. check)  ${scanSeconds.toFixed(2)} s  — the check is ${((100 * checkSeconds) / scanSeconds).toFixed(1)}% of it`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
