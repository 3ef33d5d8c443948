/**
 * Shards as plain local processes (no scheduler): a 4-shard needle sweep and a 3-shard C-Eval run on
 * the tiny-fp32 fixture, each shard its own `harness … --shard I/N --run-dir RUN` process through the
 * WebGPU engine, merged with `harness merge`, must equal the same command run in one process —
 * records and summaries, apart from timings. Also: merge refuses an unfinished run and names the
 * missing keys, and merging twice changes nothing (shard-plan.test.ts covers refused shards).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCli, removeCompiledCli } from '../../helpers/compiled-cli.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { expectSameRun, fileText, onlyRunIn, runCli } from './run-comparison.js';

let cli = '';
beforeAll(() => {
  cli = compileCli();
}, 300_000);
afterAll(() => removeCompiledCli(cli));

const NEEDLE = ['needle', '--model', fixtureDir('tiny-fp32'), '--lengths', '512,640', '--depths', '0,50,100', '--answer-tokens', '8'];
const CEVAL = ['ceval', '--model', fixtureDir('tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network,logic', '--limit', '3', '--mode', 'ppl', '--batch-size', '2'];

function expectOk(result: { code: number | null; stderr: string }): void {
  expect(result.stderr.includes('error') ? result.stderr : '', 'stderr').not.toMatch(/^error:/m);
  expect(result.code).toBe(0);
}

describe('shards as local processes, merged', () => {
  it('a 4-shard needle sweep merges into what one process writes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'gnomon-shards-needle-'));
    const run = join(work, 'sharded');
    // Shards 0–2 together, then a merge that must refuse and name shard 3's keys.
    const first = await Promise.all([0, 1, 2].map((i) => runCli(cli, [...NEEDLE, '--shard', `${i}/4`, '--run-dir', run], work)));
    first.forEach(expectOk);
    const early = await runCli(cli, ['merge', run], work);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/records missing: shard 3\/4 lacks \d+ \(/);
    expect(early.stderr).toContain('--shard I/4 --run-dir');
    expect(existsSync(join(run, 'records.jsonl'))).toBe(false);
    expectOk(await runCli(cli, [...NEEDLE, '--shard', '3/4', '--run-dir', run], work));

    const merged = await runCli(cli, ['merge', run], work);
    expectOk(merged);
    expect(merged.stdout).toContain('merged 6 records from 4 shards');
    const firstMerge = fileText(join(run, 'records.jsonl'));
    expectOk(await runCli(cli, ['merge', run], work));
    expect(fileText(join(run, 'records.jsonl'))).toBe(firstMerge);

    const single = join(work, 'single');
    expectOk(await runCli(cli, [...NEEDLE, '--out', single], work));
    expectSameRun(run, onlyRunIn(single), {
      exact: ['summary.txt', 'summary.md', 'summary.csv', 'depths.csv', 'lengths.csv', 'heatmap.svg', 'curve.svg'], json: ['summary.json'],
    }, ['timings']);
    const plan = JSON.parse(readFileSync(join(run, 'shards.json'), 'utf8')) as { units: { shard: number }[] };
    expect(new Set(plan.units.map((unit) => unit.shard))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('a 3-shard C-Eval run merges into what one process writes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'gnomon-shards-ceval-'));
    const run = join(work, 'sharded');
    const shards = await Promise.all([0, 1, 2].map((i) => runCli(cli, [...CEVAL, '--shard', `${i}/3`, '--run-dir', run], work)));
    shards.forEach(expectOk);
    const merged = await runCli(cli, ['merge', run], work);
    expectOk(merged);
    expect(merged.stdout).toContain('merged 6 records from 3 shards');
    const single = join(work, 'single');
    expectOk(await runCli(cli, [...CEVAL, '--out', single], work));
    expectSameRun(run, onlyRunIn(single), { exact: ['summary.txt', 'summary.md', 'summary.csv'], json: ['summary.json'] }, ['ms']);
  });
});
