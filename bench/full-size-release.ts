/**
 * A full-size InternLM2 release end to end (outside CI): writes a random-weight checkpoint with the real
 * internlm2-chat-1_8b config.json and the real tokenizer files (tokenizer.model + tokenizer_config.json,
 * no tokenizer.json: the tokenizer is converted on first use), bf16 weights sharded as the release is
 * (model-0000N-of-0000M.safetensors + model.safetensors.index.json), then
 *   1. loads it in this process: load time and peak host memory;
 *   2. runs `harness ceval --limit 1 --subjects computer_network --mode ppl` on it;
 *   3. runs one needle cell at 4k tokens (`harness needle --lengths 4k --depths 50`);
 * each command as a child process under /usr/bin/time (wall time, peak host memory), with tokens/s
 * from its records. It exercises the 92,544-row output head, the storage-binding splits of the
 * embedding and output head, the shard index and the memory plan at the real size.
 *
 *   npm run build && node dist/bench/full-size-release.js [--dir DIR] [--keep] [--shards 2]
 *     [--release ../shared/tokenizers/internlm2] [--data-dir ../shared/benchmarks] [--needle-length 4k]
 *     [--skip load,ceval,needle] [--seed 1]
 *
 * It writes ~3.6 GB (bf16 weights of 1.89 billion parameters) under --dir (default: a new folder in the
 * system's temporary folder) and deletes it afterwards unless --keep.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expectedTensorShapes } from '../engine/checkpoint/checkpoint.js';
import { parseConfig } from '../engine/checkpoint/config.js';
import { encodeSafetensorsHeader, shardFileName } from '../engine/checkpoint/safetensors-writer.js';
import { loadModel } from '../engine/index.js';
import { runMain } from './gpu-bench.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = resolve(here, '../harness/cli.js');
/** The shared data folder beside the repository (as the tests find it), or GNOMON_SHARED_DIR. */
const shared = process.env['GNOMON_SHARED_DIR'] ? resolve(process.env['GNOMON_SHARED_DIR']) : resolve(here, '../../../shared');

interface TensorPlan {
  readonly name: string;
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** Values per write: 16 MiB of bf16 at a time, so the writer's memory stays small. */
const CHUNK_VALUES = 8 * 2 ** 20;

/**
 * Fills `count` bf16 values uniform in ±bound (truncated from f32) with xorshift32 from `state`, writing
 * them to `fd` in chunks. Norm gains (bound 0) are written as 1.0.
 */
function writeRandomBf16(fd: number, count: number, bound: number, state: { x: number }): void {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const out = new Uint16Array(Math.min(count, CHUNK_VALUES));
  let x = state.x;
  for (let done = 0; done < count; ) {
    const n = Math.min(out.length, count - done);
    if (bound === 0) {
      out.fill(0x3f80, 0, n);
    } else {
      for (let i = 0; i < n; i += 1) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        f32[0] = ((x >>> 0) / 4294967296 - 0.5) * 2 * bound;
        out[i] = u32[0]! >>> 16;
      }
    }
    writeSync(fd, out, 0, n * 2);
    done += n;
  }
  state.x = x;
}

/** One safetensors shard: header (padded to 8 bytes, as the reference writer does), then each tensor's data. */
function writeShard(file: string, tensors: readonly TensorPlan[], state: { x: number }): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: 'BF16', shape: tensor.shape, data_offsets: [offset, offset + tensor.bytes] };
    offset += tensor.bytes;
  }
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, encodeSafetensorsHeader(header));
    for (const tensor of tensors) {
      const isNorm = tensor.shape.length === 1;
      // Uniform with standard deviation 1/sqrt(fan-in): activations keep their size through the layers.
      const bound = isNorm ? 0 : Math.sqrt(3 / tensor.shape[1]!);
      writeRandomBf16(fd, tensor.bytes / 2, bound, state);
    }
  } finally {
    closeSync(fd);
  }
}

/** The release's layout: config.json, tokenizer.model, tokenizer_config.json, sharded bf16 weights and the index. */
function writeReleaseCheckpoint(dir: string, release: string, shards: number, seed: number): { bytes: number; files: string[] } {
  mkdirSync(dir, { recursive: true });
  for (const file of ['config.json', 'tokenizer.model', 'tokenizer_config.json']) copyFileSync(join(release, file), join(dir, file));
  const config = parseConfig(JSON.parse(readFileSync(join(release, 'config.json'), 'utf8')), join(release, 'config.json'));
  const tensors: TensorPlan[] = [...expectedTensorShapes(config)].map(([name, shape]) => ({ name, shape, bytes: 2 * shape.reduce((a, b) => a * b, 1) }));
  const total = tensors.reduce((sum, t) => sum + t.bytes, 0);
  // In order, into shards of about equal bytes (as Hugging Face's save_pretrained splits by size).
  const groups: TensorPlan[][] = Array.from({ length: shards }, () => []);
  let shard = 0;
  let written = 0;
  for (const tensor of tensors) {
    if (shard < shards - 1 && groups[shard]!.length > 0 && written >= (total * (shard + 1)) / shards) shard += 1;
    groups[shard]!.push(tensor);
    written += tensor.bytes;
  }
  const weightMap: Record<string, string> = {};
  const state = { x: (seed * 2654435761) >>> 0 || 1 };
  const files = groups.map((group, i) => {
    const name = shardFileName(i + 1, shards);
    writeShard(join(dir, name), group, state);
    for (const tensor of group) weightMap[tensor.name] = name;
    return name;
  });
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(join(dir, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: total }, weight_map: sorted }, null, 2)}\n`);
  return { bytes: total, files };
}

interface ChildRun {
  readonly seconds: number;
  readonly peakBytes: number;
  readonly runDir: string;
}

/** Runs `harness ARGS` under /usr/bin/time; the run directory is the one new folder under `out`. */
function runHarness(args: readonly string[], out: string, env: NodeJS.ProcessEnv): ChildRun {
  mkdirSync(out, { recursive: true });
  const timeFile = join(out, 'time.txt');
  process.stdout.write(`\n$ harness ${args.join(' ')}\n`);
  const result = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%M %e', process.execPath, cli, ...args, '--out', out], { stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`harness ${args[0]} exited with ${result.status ?? result.signal}`);
  const [peakKib, seconds] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  const runDir = readdirSync(out).map((name) => join(out, name)).find((path) => existsSync(join(path, 'records.jsonl')));
  if (!runDir) throw new Error(`harness ${args[0]} wrote no run directory under ${out}`);
  return { seconds: seconds!, peakBytes: peakKib! * 1024, runDir };
}

function records(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'records.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      shards: { type: 'string', default: '2' },
      release: { type: 'string', default: join(shared, 'tokenizers/internlm2') },
      'data-dir': { type: 'string', default: join(shared, 'benchmarks') },
      'needle-length': { type: 'string', default: '4k' },
      skip: { type: 'string', default: '' },
      seed: { type: 'string', default: '1' },
    },
  });
  const skip = new Set(values.skip.split(',').filter(Boolean));
  const work = values.dir ? resolve(values.dir) : mkdtempSync(join(tmpdir(), 'gnomon-full-size-'));
  const dir = join(work, 'internlm2-chat-1_8b-random');
  // The converted tokenizer goes to a cache inside the work folder: the first load converts, as a user's would.
  const env = { ...process.env, GNOMON_CACHE: join(work, 'cache') };
  process.env['GNOMON_CACHE'] = env.GNOMON_CACHE;
  const lines: string[] = [];
  try {
    let started = performance.now();
    const written = writeReleaseCheckpoint(dir, values.release, Number(values.shards), Number(values.seed));
    lines.push(`checkpoint: ${written.files.join(', ')} + model.safetensors.index.json, ${gib(written.bytes)} of bf16 weights, written in ${((performance.now() - started) / 1000).toFixed(1)} s (${dir})`);
    process.stdout.write(`${lines.at(-1)}\n`);

    if (!skip.has('load')) {
      started = performance.now();
      const model = await loadModel(dir);
      const seconds = (performance.now() - started) / 1000;
      lines.push(`load (in process: checks, tokenizer, upload of every weight): ${seconds.toFixed(1)} s, peak host memory ${gib(process.resourceUsage().maxRSS * 1024)}; ${model.info.device}; context ${model.info.contextLength}`);
      process.stdout.write(`${lines.at(-1)}\n`);
      await model.dispose();
    }

    if (!skip.has('ceval')) {
      const run = runHarness(['ceval', '--model', dir, '--limit', '1', '--subjects', 'computer_network', '--mode', 'ppl', '--data-dir', values['data-dir']], join(work, 'runs-ceval'), env);
      const record = records(run.runDir)[0]!;
      const tokens = Number(record['n_tokens']);
      const ms = Number(record['ms']);
      lines.push(`ceval ppl, 1 question of computer_network: ${run.seconds.toFixed(1)} s wall (load included), peak host memory ${gib(run.peakBytes)}; ` +
        `${tokens} tokens (prompt ${String(record['prompt_tokens'])}) scored in ${(ms / 1000).toFixed(1)} s = ${(tokens / (ms / 1000)).toFixed(1)} tokens/s; choices ${JSON.stringify(record['choices'])}`);
      process.stdout.write(`${lines.at(-1)}\n`);
    }

    if (!skip.has('needle')) {
      const run = runHarness(['needle', '--model', dir, '--lengths', values['needle-length'], '--depths', '50'], join(work, 'runs-needle'), env);
      const record = records(run.runDir)[0]!;
      const timings = record['timings'] as Record<string, number>;
      const tokens = Number(record['prompt_tokens']);
      lines.push(`needle, one cell at ${values['needle-length']} (depth 50%): ${run.seconds.toFixed(1)} s wall (load included), peak host memory ${gib(run.peakBytes)}; ` +
        `status ${String(record['status'])}, prompt ${tokens} tokens, prefill ${(timings['prefill_ms']! / 1000).toFixed(1)} s = ${(tokens / (timings['prefill_ms']! / 1000)).toFixed(1)} tokens/s, ` +
        `decode ${(timings['decode_ms']! / 1000).toFixed(1)} s (greedy answer ${JSON.stringify(record['output'])}), planning ${(timings['plan_ms']! / 1000).toFixed(1)} s`);
      process.stdout.write(`${lines.at(-1)}\n`);
    }
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
    else lines.push(`kept ${work}`);
  }
  process.stdout.write(`\n== full-size release (internlm2-chat-1_8b shape, random bf16 weights) ==\n${lines.join('\n')}\n`);
}

runMain(main);
