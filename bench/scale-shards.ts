/**
 * Scale-out throughput: one needle sweep run as 1, 2 and 4 shards — each shard its own
 * `harness needle --shard I/N --run-dir RUN` process, all started at once, as a Slurm array or a
 * Kubernetes Indexed Job would — timed from the start to the merged run (including `harness merge`
 * and its report). Beside them, the baseline: the same sweep in one ordinary process (no --shard).
 * Each run's merged records are checked against the baseline's (timing fields aside).
 *
 *   npm run build && node dist/bench/scale-shards.js [--model DIR] [--lengths 256..2k] [--depths 0..100 --depth-steps 5] [--shards 1,2,4] [--rounds 2]
 *
 * The configurations run in turn, round after round (a busy machine slows them alike); each row
 * shows the fastest round and all of them.
 * On one machine the shards share its GPU (or CPU cores): the figure measures how much of the
 * per-process work overlaps there. On N GPUs, N shards ≈ N× until the longest shard or the shared
 * file system limits it (README, Scale out).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: '../shared/fixtures/internlm2/tiny-fp32' },
    lengths: { type: 'string', default: '256..2k' },
    depths: { type: 'string', default: '0..100' },
    'depth-steps': { type: 'string', default: '5' },
    shards: { type: 'string', default: '1,2,4' },
    rounds: { type: 'string', default: '2' },
  },
});

const CLI = fileURLToPath(new URL('../harness/cli.js', import.meta.url));
const SWEEP = ['needle', '--model', values.model, '--lengths', values.lengths, '--depths', values.depths, '--depth-steps', values['depth-steps'], '--answer-tokens', '8'];

function harness(args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`harness ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`))));
  });
}

function recordsWithoutTimings(runDir: string): string[] {
  return readFileSync(join(runDir, 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '')
    .map((line) => JSON.stringify(JSON.parse(line, (key, value: unknown) => (key === 'timings' ? undefined : value))));
}

const work = mkdtempSync(join(tmpdir(), 'gnomon-bench-shards-'));
const counts = values.shards.split(',').map(Number);
const seconds = new Map<string, number[]>();
let baseline: string[] | undefined;
const equal = new Map<number, boolean>();
for (let round = 0; round < Number(values.rounds); round += 1) {
  const singleParent = join(work, `single-${round}`);
  let begun = performance.now();
  await harness([...SWEEP, '--out', singleParent]);
  seconds.set('single', [...(seconds.get('single') ?? []), (performance.now() - begun) / 1000]);
  baseline ??= recordsWithoutTimings(join(singleParent, readdirSync(singleParent)[0] ?? ''));
  for (const count of counts) {
    const runDir = join(work, `shards-${count}-${round}`);
    begun = performance.now();
    await Promise.all(Array.from({ length: count }, (_, index) => harness([...SWEEP, '--shard', `${index}/${count}`, '--run-dir', runDir])));
    await harness(['merge', runDir]);
    seconds.set(String(count), [...(seconds.get(String(count)) ?? []), (performance.now() - begun) / 1000]);
    equal.set(count, (equal.get(count) ?? true) && JSON.stringify(recordsWithoutTimings(runDir)) === JSON.stringify(baseline));
  }
}
const fastest = (key: string): number => Math.min(...(seconds.get(key) ?? [Number.NaN]));
const rounds = (key: string): string => (seconds.get(key) ?? []).map((s) => s.toFixed(1)).join(', ');
const rows: string[] = ['| shards | wall time, start → merged report (fastest; all rounds) | speed-up vs one process | records equal |', '|---|---|---|---|',
  `| one process, no --shard (baseline) | ${fastest('single').toFixed(1)} s (${rounds('single')}) | 1.00× | — |`,
  ...counts.map((count) => `| ${count} | ${fastest(String(count)).toFixed(1)} s (${rounds(String(count))}) | ${(fastest('single') / fastest(String(count))).toFixed(2)}× | ${equal.get(count) ? 'yes' : 'NO'} |`)];
process.stdout.write(`needle sweep ${values.lengths} × ${values['depth-steps']} depths (${baseline?.length ?? 0} cells), model ${values.model}, ${values.rounds} rounds\n${rows.join('\n')}\n`);
process.exit(0);
