// Issue 17 items 11 and 12 (and item 10 at the command line): empty flag values and contradictory
// flags are refused with the reason before anything runs; an --out that is a file and a corpus
// folder holding a link loop give the CLI's two-line error and exit 2, never "internal error".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { isUserError } from '../../../engine/errors.js';
import ceval from '../../../harness/commands/ceval.js';
import contamination from '../../../harness/commands/contamination.js';
import needle from '../../../harness/commands/needle.js';
import { compileChild } from '../../helpers/compiled-child.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { temporaryDirectory } from '../ceval/ceval-data-fixture.js';

let cli = '';
beforeAll(() => { cli = compileChild('harness/cli.ts'); }, 180_000);

function harness(args: readonly string[]): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stderr: result.stderr };
}

/** Runs the command in this process (fast) and returns the UserError as the CLI prints its first line. */
async function refused(args: readonly string[]): Promise<string> {
  let caught: unknown;
  try {
    await yargs([...args]).command(ceval).command(needle).command(contamination).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
  } catch (error) {
    caught = error;
  }
  expect(isUserError(caught), `${args.join(' ')}: ${String(caught)}`).toBe(true);
  return `error: ${(caught as Error).message}`;
}

/** Runs the real CLI process and expects the two-line UserError form with exit 2. */
function refusedByCli(args: readonly string[]): string {
  const { code, stderr } = harness(args);
  expect(stderr, args.join(' ')).not.toContain('internal error');
  expect(code, `${args.join(' ')}\n${stderr}`).toBe(2);
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(2);
  expect(lines[1]).toMatch(/^ {2}fix: /);
  return lines[0] ?? '';
}

describe('empty flag values are errors', () => {
  it('--subjects \'\' does not mean all subjects; --resume "" does not mean a new run; --corpus \'\' is no corpus', async () => {
    const out = temporaryDirectory('gnomon-empty-flags-');
    expect(await refused(['ceval', '--data-dir', BENCHMARKS_DIR, '--subjects', '', '--out', out])).toBe('error: --subjects: empty value');
    expect(await refused(['ceval', '--data-dir', BENCHMARKS_DIR, '--subjects', ',', '--out', out])).toBe('error: --subjects: empty value');
    expect(await refused(['ceval', '--resume', '', '--out', out])).toBe('error: --resume: empty value');
    expect(await refused(['needle', '--resume', '', '--out', out])).toBe('error: --resume: empty value');
    expect(await refused(['contamination', '--dataset', 'ceval', '--data-dir', BENCHMARKS_DIR, '--corpus', '', '--out', out])).toBe('error: --corpus: empty value');
    expect(await refused(['contamination', '--report', ''])).toBe('error: --report: empty value');
    expect(readdirSync(out)).toEqual([]);
    // The real CLI prints the same as two lines and exits 2.
    expect(refusedByCli(['ceval', '--data-dir', BENCHMARKS_DIR, '--subjects', '', '--out', out])).toBe('error: --subjects: empty value');
  }, 60_000);
});

describe('conflicting options are refused with the reason', () => {
  it('ceval: --custom with --subjects or --preset; --name/--columns without --custom; --resume with --report; --show-prompt with --resume', async () => {
    const out = temporaryDirectory('gnomon-conflicts-');
    const custom = join(out, 'set.csv');
    writeFileSync(custom, 'question,A,B,C,D,answer\nq,a,b,c,d,A\n');
    const cases: [string[], string][] = [
      [['--custom', custom, '--subjects', 'logic'], 'error: --custom and --subjects cannot be used together: a --custom file is one subject of its own; --subjects picks C-Eval/CMMLU subjects'],
      [['--custom', custom, '--preset', 'cmmlu'], 'error: --custom and --preset cannot be used together: --custom replaces the preset question set'],
      [['--name', 'mine'], 'error: --name needs --custom: they describe a custom question file'],
      [['--columns', 'question=q'], 'error: --columns needs --custom: they describe a custom question file'],
      [['--resume', out, '--report', out], 'error: --resume and --report cannot be used together: --report rewrites a finished run\'s report without a model; --resume continues the run (and writes the report at the end)'],
      [['--show-prompt', 'logic', '--resume', out], 'error: --show-prompt and --resume cannot be used together: --show-prompt prints one prompt and exits; it runs nothing to resume'],
    ];
    for (const [flags, message] of cases) expect(await refused(['ceval', '--data-dir', BENCHMARKS_DIR, '--out', out, ...flags])).toBe(message);
    expect(await refused(['needle', '--resume', out, '--report', out])).toMatch(/^error: --resume and --report cannot be used together/);
    expect(await refused(['needle', '--show-prompt', '--resume', out])).toMatch(/^error: --show-prompt and --resume cannot be used together/);
    expect(await refused(['contamination', '--resume', out, '--report', out])).toMatch(/^error: --resume and --report cannot be used together/);
    expect(readdirSync(out)).toEqual(['set.csv']);
  }, 60_000);
});

describe('user-caused file-system failures at the command line', () => {
  it('--out that is a file: two lines, exit 2', () => {
    const dir = temporaryDirectory('gnomon-out-is-file-');
    const custom = join(dir, 'set.csv');
    writeFileSync(custom, 'question,A,B,C,D,answer\nq,a,b,c,d,A\n');
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a folder');
    expect(refusedByCli(['contamination', '--dataset', custom, '--probes', 'ngram', '--corpus', custom, '--out', file])).toBe(`error: ${file}: exists and is not a folder (creating the --out folder)`);
  }, 60_000);

  it('a corpus folder with a symbolic-link loop: two lines, exit 2', () => {
    const dir = temporaryDirectory('gnomon-cli-loop-');
    const custom = join(dir, 'set.csv');
    writeFileSync(custom, 'question,A,B,C,D,answer\nq,a,b,c,d,A\n');
    const corpus = join(dir, 'corpus');
    mkdirSync(corpus);
    writeFileSync(join(corpus, 'a.txt'), 'text\n');
    symlinkSync(join(corpus, 'y.txt'), join(corpus, 'x.txt'));
    symlinkSync(join(corpus, 'x.txt'), join(corpus, 'y.txt'));
    expect(refusedByCli(['contamination', '--dataset', custom, '--probes', 'ngram', '--corpus', corpus, '--out', join(dir, 'runs')])).toMatch(/^error: .*\/corpus\/[xy]\.txt: symbolic link loop \(listing the corpus\)$/);
  }, 60_000);
});
