import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { describe, expect, it } from 'vitest';
import cevalCommand from '../../../harness/commands/ceval.js';
import compareCommand from '../../../harness/commands/compare.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { fixtureDir, makeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';
import { openModel } from '../../../harness/model-options.js';
import { runNeedle, type NeedleSettings } from '../../../harness/needle/needle-run.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

/** Runs one harness command as the CLI would and returns what it printed. */
async function harness(command: CommandModule<object, never>, argv: string[]): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  const writeError = process.stderr.write.bind(process.stderr);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await yargs(argv).command(command).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeError;
  }
  return printed;
}

const records = (dir: string): CevalRecord[] => readFileSync(join(dir, 'records.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as CevalRecord);

/** C(n, k) exactly. */
function choose(n: number, k: number): bigint {
  let value = 1n;
  for (let i = 1; i <= k; i += 1) value = (value * BigInt(n - k + i)) / BigInt(i);
  return value;
}

describe('harness compare on two real runs that differ in one setting', () => {
  it('reports the setting and the exact McNemar p-value of the paired questions', async () => {
    const out = makeTempFolder('gnomon-compare-');
    const common = ['ceval', '--model', fixtureDir('tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network', '--limit', '19', '--batch-size', '4', '--out', out];
    await harness(cevalCommand as unknown as CommandModule<object, never>, common);
    await harness(cevalCommand as unknown as CommandModule<object, never>, [...common, '--shots', '0']);
    const [first = '', second = ''] = readdirSync(out).sort().map((name) => join(out, name));

    const printed = await harness(compareCommand, ['compare', first, second, '--out', join(out, 'comparisons')]);

    // What differs: the shots setting, and the prompt version that hashes it.
    expect(printed).toMatch(/\n {2}shots: A=5 {2}B=0\n/);
    expect(printed).toMatch(/\n {2}version: A="[0-9a-f]{6}" {2}B="[0-9a-f]{6}"\n/);
    expect(printed).not.toMatch(/checkpointHash/);

    // Hand computation from the records: discordant pairs, then the two-sided exact binomial tail.
    const a = new Map(records(first).map((r) => [r.row, r.correct === true]));
    const pairs = records(second).map((r) => [a.get(r.row) === true, r.correct === true] as const);
    expect(pairs).toHaveLength(19);
    const b = pairs.filter(([x, y]) => x && !y).length;
    const c = pairs.filter(([x, y]) => !x && y).length;
    const n = b + c;
    let tail = 0n;
    for (let k = 0; k <= Math.min(b, c); k += 1) tail += choose(n, k);
    const p = Math.min(1, (2 * Number(tail)) / 2 ** n);
    // On this fixture and all 19 val questions the two prompts disagree on 4: right only with 5 shots once, only with 0 shots three times.
    expect([b, c]).toEqual([1, 3]);
    expect(p).toBe(10 / 16);
    const row = printed.split('\n').find((line) => line.startsWith('computer_network')) ?? '';
    expect(row).toContain(`${p} (${b}/${c})`);
    expect(row).toContain('  19');
    expect(printed).toContain('test: exact McNemar test (two-sided binomial on discordant pairs)');
    const [comparison = ''] = readdirSync(join(out, 'comparisons'));
    expect(readdirSync(join(out, 'comparisons', comparison)).sort()).toEqual(['compare.md', 'compare.txt', 'report.html']);
  }, 180_000);

  it('names a changed tokenizer file when the weights are the same', async () => {
    const out = makeTempFolder('gnomon-compare-tokenizer-');
    // The same checkpoint with tokenizer.json re-serialised: same tokens, other bytes.
    const copy = writableFixtureCopy('tiny-fp32');
    const tokenizerFile = join(copy, 'tokenizer.json');
    writeFileSync(tokenizerFile, `${JSON.stringify(JSON.parse(readFileSync(tokenizerFile, 'utf8')), null, 1)}\n`);
    const settings: NeedleSettings = {
      grid: { lengths: [512], depths: [50], repeats: 1 }, seed: '0', haystack: 'en',
      task: { kind: 'single', needles: 3, distractors: 3, spacing: 10 }, answerTokens: 32, threshold: 0.85,
    };
    const dirs: string[] = [];
    for (const dir of [fixtureDir('tiny-fp32'), copy]) {
      const model = await openModel({ model: dir });
      try {
        dirs.push((await runNeedle(model, { settings, outDir: join(out, String(dirs.length)), argv: 'test' })).dir);
      } finally {
        await model.dispose();
      }
    }
    const printed = await harness(compareCommand, ['compare', ...dirs, '--out', join(out, 'c')]);
    const differs = printed.slice(printed.indexOf('what differs (run.json):')).split('\n\n')[0]?.split('\n') ?? [];
    expect(differs, printed).toHaveLength(2);
    expect(differs[1]).toMatch(/^ {2}model\.tokenizerHash: A="[0-9a-f]{16}" {2}B="[0-9a-f]{16}"$/);
  }, 120_000);

  it('refuses folders that are neither runs nor suites', async () => {
    const out = makeTempFolder('gnomon-compare-bad-');
    await expect(harness(compareCommand, ['compare', out, out])).rejects.toThrow(/neither a run folder \(run\.json\) nor a suite folder/);
  });
});
