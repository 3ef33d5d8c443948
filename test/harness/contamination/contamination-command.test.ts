import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import contamination from '../../../harness/commands/contamination.js';
import { isUserError } from '../../../engine/errors.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

async function run(argv: string[]): Promise<void> {
  await yargs(argv).command(contamination).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
}

describe('harness contamination command', () => {
  it('runs the n-gram check on C-Eval without opening a model, then rewrites the report with a ceval run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-contamination-cmd-'));
    const question = '使用位填充方法，以01111110为位首flag，数据为011011111111111111110010，求问传送时要添加几个0____';
    writeFileSync(join(dir, 'web.txt'), `转载：${question}\n`);
    const out = join(dir, 'runs');
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
    try {
      await run(['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network', '--corpus', join(dir, 'web.txt'), '--probes', 'ngram', '--out', out]);
    } finally {
      process.stdout.write = write;
    }
    const [runName] = readdirSync(out);
    const runDir = join(out, runName ?? '');
    expect(printed).toContain('GPT-3 rule (13-gram) | items with any 13-gram of normalised words found in the corpus | 5.3% (1/19)');
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    const cevalRun = join(dir, 'ceval');
    mkdirSync(cevalRun);
    writeFileSync(join(cevalRun, 'records.jsonl'), Array.from({ length: 19 }, (_, row) => JSON.stringify({ subject: 'computer_network', row, mode: 'ppl', correct: row === 0, status: 'ok' })).join('\n') + '\n');
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await run(['contamination', '--report', runDir, '--ceval-run', cevalRun]);
    } finally {
      process.stdout.write = write;
    }
    expect(readFileSync(join(runDir, 'summary.md'), 'utf8')).toContain('accuracy on dirty (dirty) 100.0% (1/1) − clean 0.0% (0/18)');
  });

  it('rejects bad flags with a UserError before creating anything', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gnomon-contamination-bad-'));
    for (const argv of [
      ['contamination', '--out', out, '--probes', 'ngram', '--corpus', 'x.txt'],
      ['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--probes', 'ngram', '--out', out],
      ['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--probes', 'ngram', '--corpus', '/no/such/corpus', '--out', out],
      ['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--probes', 'nope', '--out', out],
      ['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--min-k', '0', '--out', out],
    ]) {
      await expect(run(argv).catch((error: unknown) => { throw isUserError(error) ? new Error(`user: ${(error as Error).message}`) : error; }), argv.join(' ')).rejects.toThrow(/^user: /);
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
