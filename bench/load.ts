/**
 * Load time of a checkpoint by phase, the way loadModel loads it (open and check the headers, the
 * tokenizer, upload every weight, the weight check, the kernels of the output head, then the KV
 * cache's kernels and bind groups for a first call), with the matmul weights transposed on the
 * device (shaders/transpose_weights.wgsl) and on the host (transposeBytes), the two paths of
 * engine/gpu/chunk-placer.ts, beside the baseline: the loader as it was before them
 * (`--paths before`: the one-value-at-a-time JavaScript transpose into fresh memory, fresh read
 * buffers, the weight check and kernels as now). Each load runs in its own process, as a user's
 * does (kernels compile anew), the paths interleaved, every run printed. Phases are the host's
 * seconds (LoadProfile): device work that overlaps the host shows only as 'device wait', and two
 * matrices load at once (weights.ts), so 'read' sums both lanes' waits, overlapping the other phases.
 *
 *   node dist/bench/load.js --dir CHECKPOINT [--repeats 2] [--paths before,host,device] [--weights native|f32|f16] [--context 4096]
 *
 * A 1.8B checkpoint to load: `node dist/bench/full-size-release.js --skip load,ceval,needle --keep --dir /tmp/x`
 * (3.6 GB; delete it afterwards). The files come from the page cache after the first read.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LOAD_PHASES, LoadProfile, type LoadPhase } from '../engine/gpu/chunk-placer.js';
import type { WeightFormatChoice } from '../engine/gpu/gpu-tensor.js';
import { UserError } from '../engine/errors.js';
import { describeContext, fmt, isEntry, printTable, runMain } from './gpu-bench.js';

/** 'device' / 'host': this engine, transposing there; 'before': the engine of --before (total only). */
type LoadPath = 'device' | 'host' | 'before';
const PATHS: readonly LoadPath[] = ['before', 'host', 'device'];

interface LoadRun {
  readonly path: LoadPath;
  readonly total: number;
  /** Peak resident host memory of the loading process, bytes. */
  readonly peakBytes: number;
  readonly phases: Partial<Record<LoadPhase, number>>;
}

/**
 * One load in this process, as loadModel does it, from the engine under `engineDist` (this build's
 * by default; the baseline's dist for 'before', whose modules have the same names): the checkpoint
 * headers, the tokenizer, the weights, the first call's KV cache.
 */
async function loadOnce(dir: string, path: LoadPath, weights: WeightFormatChoice, context: number, engineDist: string): Promise<LoadRun> {
  const engine = (module: string): string => pathToFileURL(resolve(engineDist, 'engine', module)).href;
  const { openCheckpoint } = (await import(engine('checkpoint/checkpoint.js'))) as typeof import('../engine/checkpoint/checkpoint.js');
  const { sharedDevice } = (await import(engine('gpu/device.js'))) as typeof import('../engine/gpu/device.js');
  const { InternLM2Model } = (await import(engine('model/model.js'))) as typeof import('../engine/model/model.js');
  const { loadTokenizer } = (await import(engine('tokenizer/tokenizer.js'))) as typeof import('../engine/tokenizer/tokenizer.js');
  const gpu = await sharedDevice();
  const profile = new LoadProfile();
  const started = performance.now();
  const checkpoint = await profile.time('open', () => openCheckpoint(dir));
  await profile.time('tokenizer', () => loadTokenizer(dir, { vocabSize: checkpoint.config.vocabSize, log: () => undefined }));
  // The baseline's loader takes no transpose or profile option: its upload, check and kernels show as one.
  const options = path === 'before' ? { weightFormat: weights } : { weightFormat: weights, transpose: path, profile };
  const model = await InternLM2Model.load(gpu, checkpoint, options);
  // The first call's KV cache: its kernels and bind groups (buildLayers), as the session's first call builds them.
  await profile.time('kernels', () => model.ensureKvCache(1, context));
  const total = (performance.now() - started) / 1000;
  model.dispose();
  return { path, total, peakBytes: process.resourceUsage().maxRSS * 1024, phases: Object.fromEntries(profile.phases().map(({ phase, seconds }) => [phase, seconds])) };
}

/** Runs one load in a child process (a cold start: kernels compile, nothing cached). */
function loadInChild(dir: string, path: LoadPath, weights: string, context: number, before: string | undefined): LoadRun {
  const here = fileURLToPath(import.meta.url);
  const engineDist = path === 'before' ? (before as string) : resolve(here, '..', '..');
  const child = spawnSync(process.execPath, [here, '--child', path, '--dir', dir, '--weights', weights, '--context', String(context), '--engine-dist', engineDist], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = child.stdout.split('\n').find((text) => text.startsWith('{'));
  if (child.status !== 0 || !line) throw new Error(`load (${path}) failed, exit ${child.status}:\n${child.stderr.slice(-2000)}`);
  return JSON.parse(line) as LoadRun;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' }, repeats: { type: 'string', default: '2' }, paths: { type: 'string' }, weights: { type: 'string', default: 'native' },
      context: { type: 'string', default: '4096' }, before: { type: 'string' }, child: { type: 'string' }, 'engine-dist': { type: 'string' },
    },
  });
  if (!values.dir) throw new UserError('--dir is required: the checkpoint folder to load', 'write one with: node dist/bench/full-size-release.js --skip load,ceval,needle --keep --dir /tmp/x');
  const weights = values.weights as WeightFormatChoice;
  const context = Number(values.context);
  if (values.child) {
    const run = await loadOnce(values.dir, values.child as LoadPath, weights, context, values['engine-dist'] as string);
    process.stdout.write(`${JSON.stringify(run)}\n`);
    return;
  }
  const paths = (values.paths ?? (values.before ? 'before,host,device' : 'host,device')).split(',').map((path) => {
    if (!(PATHS as readonly string[]).includes(path)) throw new UserError(`--paths ${path} is not one of ${PATHS.join(', ')}`, 'pass e.g. --paths host,device');
    if (path === 'before' && !values.before) throw new UserError('--paths before needs --before DIST: the dist folder of the engine to compare with', 'build the baseline in a worktree of main (npx tsc) and pass its dist folder');
    return path as LoadPath;
  });
  const repeats = Number(values.repeats);
  const { sharedDevice } = await import('../engine/gpu/device.js');
  process.stdout.write(`Adapter: ${describeContext(await sharedDevice())}\nCheckpoint: ${values.dir}${values.before ? `\nbefore: the engine in ${values.before}` : ''}\n`);
  const runs: LoadRun[] = [];
  for (let r = 0; r < repeats; r += 1) {
    for (const path of paths) {
      const run = loadInChild(values.dir, path, weights, context, values.before);
      runs.push(run);
      process.stdout.write(`  ${path}, repeat ${r + 1}: ${fmt(run.total, 2)} s, peak host memory ${fmt(run.peakBytes / 2 ** 30, 2)} GiB (${Object.entries(run.phases).map(([phase, s]) => `${phase} ${fmt(s, 2)}`).join(', ')})\n`);
    }
  }
  const rows: string[][] = [];
  for (const phase of [...LOAD_PHASES, 'total'] as const) {
    const cells = paths.map((path) => {
      const mine = runs.filter((run) => run.path === path).map((run) => (phase === 'total' ? run.total : run.phases[phase]));
      if (mine.some((value) => value === undefined)) return '—';
      const seconds = mine as number[];
      return `${fmt(median(seconds), 2)} (${fmt(Math.min(...seconds), 2)}–${fmt(Math.max(...seconds), 2)})`;
    });
    if (cells.every((cell) => cell === '—')) continue;
    rows.push([phase, ...cells]);
  }
  rows.push(['peak host memory (GiB)', ...paths.map((path) => fmt(median(runs.filter((run) => run.path === path).map((run) => run.peakBytes / 2 ** 30)), 2))]);
  printTable(
    `Load by phase, host seconds in a fresh process, median (min–max) of ${repeats} interleaved repeat(s); --weights ${weights}, KV cache for ${context} positions` +
      (paths.includes('before') ? '; before: upload, weight check and output-head kernels in one (its loader has no profile)' : ''),
    ['phase', ...paths.map((path) => (path === 'before' ? 'before' : `${path} transpose`))],
    rows,
  );
}

if (isEntry(import.meta.url)) runMain(main);
