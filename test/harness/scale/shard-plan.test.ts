/**
 * The pure parts of sharding, without a model: parsing --shard, the cost-balanced assignment, the
 * shard plan and run.json that the first shard writes and later shards must match, merging shard
 * files (order, missing keys, torn lines, twice), and the Slurm and Kubernetes files submit writes.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/language-model.js';
import { gridCells, cellKey } from '../../../harness/needle/grid.js';
import { mergeShards } from '../../../harness/scale/merge-shards.js';
import { mergeJobManifest, shardJobManifest } from '../../../harness/scale/k8s-manifest.js';
import { assignShards, parseShard } from '../../../harness/scale/shard.js';
import { planShards, readShardPlan, writeOrCheckShardPlan } from '../../../harness/scale/shard-plan.js';
import { claimRunInfo, shardWork, shardedRunFrom } from '../../../harness/scale/sharded-run.js';
import { runProgress } from '../../../harness/scale/shard-status.js';
import { arrayScript, mergeScript } from '../../../harness/scale/slurm-script.js';
import { checkShardedCommand } from '../../../harness/scale/submit-jobs.js';

function userErrorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isUserError(error)) return `${error.message} | ${error.hint}`;
    throw error;
  }
  throw new Error('expected a UserError');
}

const temporary = (): string => mkdtempSync(join(tmpdir(), 'gnomon-shard-plan-'));

describe('--shard I/N', () => {
  it('parses I/N counted from 0 and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '1', '1/2/3']) expect(userErrorOf(() => parseShard(bad))).toContain('expected I/N');
  });

  it('needs --run-dir and refuses --resume and --report beside it', () => {
    expect(shardedRunFrom('needle', {})).toBeUndefined();
    expect(userErrorOf(() => shardedRunFrom('needle', { shard: '0/2' }))).toContain('needs --run-dir');
    expect(userErrorOf(() => shardedRunFrom('needle', { shard: '0/2', runDir: temporary(), resume: 'x' }))).toContain('a shard resumes by itself');
    expect(userErrorOf(() => shardedRunFrom('needle', { runDir: 'x' }))).toContain('only used with --shard');
  });
});

describe('cost-balanced assignment', () => {
  it('is longest-first to the least loaded shard, ties by key and lowest shard', () => {
    const units = [{ key: 'a', cost: 5 }, { key: 'b', cost: 4 }, { key: 'c', cost: 3 }, { key: 'd', cost: 3 }, { key: 'e', cost: 2 }];
    // a→0 (5); b→1 (4); c→1 (7); d→0 (8); e→1 (9).
    expect(assignShards(units, 2)).toEqual([0, 1, 1, 0, 1]);
    expect(() => assignShards([...units, { key: 'a', cost: 1 }], 2)).toThrow(/appears twice/);
  });

  it('spreads the long rows of a 1k..32k needle sweep over every shard, whatever the input order', () => {
    const cells = gridCells({ lengths: [1024, 2048, 4096, 8192, 16384, 32768], depths: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], repeats: 1 });
    const units = cells.map((cell) => ({ key: cellKey(cell), cost: cell.lengthTarget }));
    const shardOf = assignShards(units, 4);
    const load = [0, 0, 0, 0];
    units.forEach((unit, i) => { load[shardOf[i] ?? 0] = (load[shardOf[i] ?? 0] ?? 0) + unit.cost; });
    const total = units.reduce((sum, unit) => sum + unit.cost, 0);
    // Longest-first keeps every shard within one (largest) cell of the mean.
    for (const shardLoad of load) expect(Math.abs(shardLoad - total / 4)).toBeLessThanOrEqual(32768);
    const longest = units.map((unit, i) => (unit.cost === 32768 ? shardOf[i] : -1)).filter((shard) => shard !== -1);
    expect(new Set(longest)).toEqual(new Set([0, 1, 2, 3]));
    const reversed = [...units].reverse();
    const shardOfReversed = assignShards(reversed, 4);
    const byKey = new Map(reversed.map((unit, i) => [unit.key, shardOfReversed[i]]));
    units.forEach((unit, i) => expect(byKey.get(unit.key)).toBe(shardOf[i]));
  });
});

describe('the run folder shards share', () => {
  it('the first shard writes the plan; a shard with another count or other work is refused', () => {
    const dir = temporary();
    const units = [{ key: 'x', cost: 2 }, { key: 'y', cost: 1 }, { key: 'z', cost: 1 }];
    writeOrCheckShardPlan(dir, planShards('needle', units, 2), { index: 0, count: 2 });
    writeOrCheckShardPlan(dir, planShards('needle', units, 2), { index: 1, count: 2 });
    expect(readShardPlan(dir).units.map((unit) => unit.shard)).toEqual([0, 1, 1]);
    expect(userErrorOf(() => writeOrCheckShardPlan(dir, planShards('needle', units, 3), { index: 1, count: 3 }))).toContain('split into 2 shards, this shard counts 3');
    expect(userErrorOf(() => writeOrCheckShardPlan(dir, planShards('needle', [...units.slice(0, 2), { key: 'w', cost: 1 }], 2), { index: 1, count: 2 })))
      .toContain('unit 2: z (cost 1) there, w (cost 1) here');
    expect(userErrorOf(() => writeOrCheckShardPlan(dir, planShards('ceval', units, 2), { index: 1, count: 2 }))).toContain('run harness needle, this one harness ceval');
  });

  it('the first shard writes run.json; later shards may differ only in shard, time and command line', () => {
    const dir = temporary();
    const run = (index: number) => ({ command: 'needle', shard: { index, count: 2 }, runDir: dir });
    const info = { settings: { seed: '0', grid: { lengths: [256] } }, model: { checkpointHash: 'abc', device: 'gpu 0' }, started: 't0', argv: 'needle --shard 0/2' };
    claimRunInfo(run(0), info);
    claimRunInfo(run(1), { ...info, model: { checkpointHash: 'abc', device: 'gpu 1' }, started: 't1', argv: 'needle --shard 1/2' });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(info);
    expect(userErrorOf(() => claimRunInfo(run(1), { ...info, settings: { ...info.settings, seed: '7' } }))).toContain('settings.seed: "0" in the run, "7" here');
    expect(userErrorOf(() => claimRunInfo(run(1), { ...info, model: { checkpointHash: 'other' } }))).toContain('checkpoint: "abc" in the run, "other" here');
  });

  it('each shard selects its units in planned order, and together they cover the work once', () => {
    const dir = temporary();
    const units = Array.from({ length: 10 }, (_, i) => ({ id: `u${i}`, size: (i * 7) % 5 + 1 }));
    const picks = [0, 1, 2].map((index) => shardWork({ command: 'needle', shard: { index, count: 3 }, runDir: dir }).select(units, (u) => u.id, (u) => u.size));
    for (const pick of picks) expect(pick).toEqual(units.filter((unit) => pick.includes(unit)));
    expect(picks.flat().map((unit) => unit.id).sort()).toEqual(units.map((unit) => unit.id).sort());
  });
});

describe('harness merge', () => {
  const record = (key: string, value: number) => JSON.stringify({ key, value, timings: { plan_ms: value } });

  it('refuses while a shard is unfinished, names its keys, then writes records in planned order (twice: same bytes)', () => {
    const dir = temporary();
    const plan = planShards('needle', ['k0', 'k1', 'k2', 'k3', 'k4'].map((key, i) => ({ key, cost: 10 - i })), 2);
    writeOrCheckShardPlan(dir, plan, { index: 0, count: 2 });
    const keysOf = (shard: number) => plan.units.filter((unit) => unit.shard === shard).map((unit) => unit.key);
    // Shard 0 is complete, written in reverse order with a duplicate; shard 1 has one record and a torn line.
    writeFileSync(join(dir, 'records.shard-0-of-2.jsonl'), `${[...keysOf(0)].reverse().map((key) => record(key, 1)).join('\n')}\n${record(keysOf(0)[0] ?? '', 99)}\n`);
    const [first, ...rest] = keysOf(1);
    writeFileSync(join(dir, 'records.shard-1-of-2.jsonl'), `${record(first ?? '', 2)}\n{"key":"${rest[0] ?? ''}","val`);
    const refusal = userErrorOf(() => mergeShards(dir));
    expect(refusal).toContain(`${rest.length} of 5 records missing: shard 1/2 lacks ${rest.length} (${rest.join(', ')})`);
    expect(refusal).toContain('--shard I/2 --run-dir');
    expect(existsSync(join(dir, 'records.jsonl'))).toBe(false);
    expect(runProgress(dir).shards.map((s) => `${s.done}/${s.planned}`)).toEqual([`${keysOf(0).length}/${keysOf(0).length}`, `1/${keysOf(1).length}`]);

    writeFileSync(join(dir, 'records.shard-1-of-2.jsonl'), `${keysOf(1).map((key) => record(key, 2)).join('\n')}\n`);
    const merged = mergeShards(dir);
    const text = readFileSync(merged.file, 'utf8');
    expect(text.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { key: string }).key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    // The first record of a key wins (a shard never rewrites a finished key; a duplicate is ignored).
    expect(text).not.toContain('"value":99');
    mergeShards(dir);
    expect(readFileSync(merged.file, 'utf8')).toBe(text);
    expect(runProgress(dir).merged).toBe(true);
  });
});

describe('harness submit', () => {
  const job = {
    name: 'gnomon-needle', shards: 4, runDir: '/shared/runs/needle-1', workDir: '/shared/work', node: '/opt/node/bin/node', cli: '/opt/gnomon/dist/harness/cli.js',
    command: ['needle', '--model', '/models/internlm2 chat', '--lengths', '1k..32k'], gpusPerTask: 1, adapterPerTask: false, partition: 'gpu', time: '4:00:00',
  };

  it('writes an array script (a task per shard, requeue, %A_%a logs) and a merge script', () => {
    const script = arrayScript(job);
    for (const line of ['#SBATCH --array=0-3', '#SBATCH --requeue', '#SBATCH --output=/shared/runs/needle-1/slurm/%A_%a.out', '#SBATCH --partition=gpu', '#SBATCH --time=4:00:00', '#SBATCH --gpus-per-task=1', '#SBATCH --chdir=/shared/work']) {
      expect(script).toContain(`${line}\n`);
    }
    expect(script).toContain(`exec /opt/node/bin/node /opt/gnomon/dist/harness/cli.js needle --model '/models/internlm2 chat' --lengths 1k..32k --shard "\${shard}/4" --run-dir /shared/runs/needle-1\n`);
    // #SBATCH lines count only before the first command.
    expect(script.indexOf('set -euo pipefail')).toBeGreaterThan(script.lastIndexOf('#SBATCH'));
    expect(arrayScript({ ...job, gpusPerTask: 0 })).not.toContain('gpus');
    expect(arrayScript({ ...job, adapterPerTask: true })).toContain('gpus="${SLURM_JOB_GPUS:-${shard}}"\nexport GNOMON_ADAPTER="${gpus%%,*}"\n');
    expect(mergeScript(job)).toContain('exec /opt/node/bin/node /opt/gnomon/dist/harness/cli.js merge /shared/runs/needle-1\n');
    expect(mergeScript(job)).not.toContain('gpus');
  });

  it('accepts only shardable commands without the flags it sets itself', () => {
    expect(checkShardedCommand(['ceval', '--mode', 'gen'])).toBe('ceval');
    expect(userErrorOf(() => checkShardedCommand([]))).toContain('no command');
    expect(userErrorOf(() => checkShardedCommand(['doctor']))).toContain('only needle, ceval, contamination can run in shards');
    expect(userErrorOf(() => checkShardedCommand(['needle', '--shard=1/2']))).toContain('submit sets the shard and run folder itself');
  });

  it('writes an Indexed Job with the shard from JOB_COMPLETION_INDEX, a GPU per pod, a shared volume, and a merge Job', () => {
    const k8s = { name: 'gnomon-needle-x', shards: 8, image: 'registry/gnomon:1', volumeClaim: 'runs-pvc', mountPath: '/runs', runDir: '/runs/needle-x', command: ['needle', '--lengths', '1k..32k'], gpusPerPod: 1 };
    const manifest = shardJobManifest(k8s);
    for (const line of ['kind: Job', '  completionMode: Indexed', '  completions: 8', '  parallelism: 8', '      restartPolicy: Never', '          - type: DisruptionTarget', '  podReplacementPolicy: Failed', '              nvidia.com/gpu: 1', '            claimName: "runs-pvc"', '              mountPath: "/runs"', '          image: "registry/gnomon:1"']) {
      expect(manifest).toContain(`${line}\n`);
    }
    expect(manifest).toContain('exec harness needle --lengths 1k..32k --shard \\"$JOB_COMPLETION_INDEX/8\\" --run-dir /runs/needle-x');
    const merge = mergeJobManifest(k8s);
    expect(merge).toContain('  name: gnomon-needle-x-merge\n');
    expect(merge).toContain('exec harness merge /runs/needle-x');
    expect(merge).not.toContain('nvidia.com/gpu');
    expect(merge).toContain('kubectl wait --for=condition=complete job/gnomon-needle-x');
  });
});
