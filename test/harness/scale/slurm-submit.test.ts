/**
 * On a real (private, one-node) Slurm cluster: `harness submit --slurm` a 4-shard needle sweep and a
 * 3-shard C-Eval run on the tiny-fp32 fixture, `scontrol requeue` one needle task after it finished
 * a record, wait for the dependent merge jobs, and check that the merged records and summaries equal
 * a single-process run of the same command (apart from timings), and that the requeued task resumed
 * its shard instead of starting over. The cluster is stopped in afterAll whatever happened.
 * Skipped (with the reason) only where the Slurm and munge binaries are not installed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCli, removeCompiledCli } from '../../helpers/compiled-cli.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { slurmUnavailableReason, startSlurmCluster, type SlurmCluster } from '../../helpers/slurm-cluster.js';
import { expectSameRun, onlyRunIn, runCli } from './run-comparison.js';

const unavailable = slurmUnavailableReason();
if (unavailable) process.stderr.write(`slurm-submit.test.ts skipped: ${unavailable}\n`);

const NEEDLE = ['needle', '--model', fixtureDir('tiny-fp32'), '--lengths', '512,640', '--depths', '0,25,50,75,100', '--answer-tokens', '8'];
const CEVAL = ['ceval', '--model', fixtureDir('tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network,logic', '--limit', '3', '--mode', 'ppl', '--batch-size', '2'];

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function recordLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.endsWith('}')) : [];
}

describe.skipIf(unavailable !== undefined)('harness submit --slurm on a one-node Slurm cluster', () => {
  let cluster: SlurmCluster | undefined;
  let cli = '';
  beforeAll(async () => {
    cli = compileCli();
    cluster = await startSlurmCluster();
  }, 240_000);
  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      removeCompiledCli(cli);
    }
  }, 120_000);

  it('runs shards as an array job, survives a requeue, merges into what one process writes', async () => {
    if (!cluster) throw new Error('no cluster');
    const slurm = cluster;
    const work = mkdtempSync(join(tmpdir(), 'gnomon-slurm-runs-'));
    const submit = async (name: string, shards: number, command: readonly string[]) => {
      const result = await runCliIn(['submit', '--slurm', '--shards', String(shards), '--gpus-per-task', '0', '--time', '30:00', '--run-dir', join(work, name), '--', ...command]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const ids = /submitted array job (\d+) .* and merge job (\d+)/.exec(result.stdout);
      if (!ids?.[1] || !ids[2]) throw new Error(`no job ids in: ${result.stdout}`);
      return { run: join(work, name), arrayJob: ids[1], mergeJob: ids[2], stdout: result.stdout };
    };
    const runCliIn = (args: readonly string[]) => runCli(cli, args, work, slurm.env);

    const needle = await submit('needle', 4, NEEDLE);
    expect(needle.stdout).toContain(`squeue -j ${needle.arrayJob},${needle.mergeJob}`);
    const ceval = await submit('ceval', 3, CEVAL);
    expect(readFileSync(join(needle.run, 'slurm-array.sbatch'), 'utf8')).toContain('#SBATCH --array=0-3');

    // Requeue the first needle task seen running with at least one finished record.
    let requeued: { task: number; recordsBefore: number } | undefined;
    for (let waited = 0; !requeued; waited += 100) {
      if (waited > 300_000) throw new Error(`no needle task ran in 300 s: ${slurm.queue().join('; ')}`);
      const running = slurm.queue().filter((line) => line.startsWith(`${needle.arrayJob}_`) && line.endsWith('RUNNING'));
      for (const line of running) {
        const task = Number(/_(\d+) /.exec(line)?.[1]);
        const before = recordLines(join(needle.run, `records.shard-${task}-of-4.jsonl`)).length;
        if (before >= 1) {
          slurm.run('scontrol', ['requeue', `${needle.arrayJob}_${task}`]);
          requeued = { task, recordsBefore: before };
          break;
        }
      }
      if (!requeued && !slurm.queue().some((line) => line.startsWith(`${needle.arrayJob}_`))) throw new Error('every needle task ended before one could be requeued');
      await sleep(100);
    }

    for (let waited = 0; slurm.queue().length > 0; waited += 500) {
      if (waited > 400_000) throw new Error(`jobs still queued after 400 s: ${slurm.queue().join('; ')}`);
      await sleep(500);
    }
    for (const { run, mergeJob } of [needle, ceval]) {
      const state = /JobState=(\w+)/.exec(slurm.run('scontrol', ['show', 'job', mergeJob]))?.[1];
      const logs = readdirSync(join(run, 'slurm')).map((file) => `${file}:\n${readFileSync(join(run, 'slurm', file), 'utf8')}`).join('\n');
      expect(state, logs).toBe('COMPLETED');
    }

    // The requeued task ran twice (SLURM_RESTART_COUNT) and its second attempt resumed its shard.
    const log = readFileSync(join(needle.run, 'slurm', `${needle.arrayJob}_${requeued.task}.out`), 'utf8');
    expect(log).toContain(`gnomon shard ${requeued.task}/4`);
    expect(log).toContain('attempt 2');
    const shardLines = recordLines(join(needle.run, `records.shard-${requeued.task}-of-4.jsonl`));
    const keys = shardLines.map((line) => (JSON.parse(line) as { key: string }).key);
    expect(new Set(keys).size).toBe(keys.length);
    const finalSummary = [...log.matchAll(/(\d+) cells run now, (\d+) in its records/g)].at(-1);
    expect(Number(finalSummary?.[1])).toBeLessThanOrEqual(Number(finalSummary?.[2]) - requeued.recordsBefore);

    const status = await runCliIn(['submit', '--status', needle.run]);
    expect(status.stdout).toContain('harness needle, 4 shards: 10/10 records, merged');

    const singleNeedle = join(work, 'single-needle');
    const singleCeval = join(work, 'single-ceval');
    expect((await runCliIn([...NEEDLE, '--out', singleNeedle])).code).toBe(0);
    expect((await runCliIn([...CEVAL, '--out', singleCeval])).code).toBe(0);
    expectSameRun(needle.run, onlyRunIn(singleNeedle), {
      exact: ['summary.txt', 'summary.md', 'summary.csv', 'depths.csv', 'lengths.csv', 'heatmap.svg', 'curve.svg'], json: ['summary.json'],
    }, ['timings']);
    expectSameRun(ceval.run, onlyRunIn(singleCeval), { exact: ['summary.txt', 'summary.md', 'summary.csv'], json: ['summary.json'] }, ['ms']);
  }, 900_000);
});
