/**
 * gnomon beside llama.cpp on the same machine, the same random-weight InternLM2 model and the same
 * prompt ids (issue 22). Outside CI:
 *
 *   npm run build && node dist/bench/peers/llama-cpp.js [--shape mid] [--dtype f32,f16]
 *     [--backends vulkan,vulkan-f16,cpu,cuda] [--prefill 128,512,2048,8192] [--decode-contexts 512,8192]
 *     [--decode-steps 64] [--repeats 3] [--no-load] [--threads N] [--peer-batch 512]
 *     [--agreement-tokens 64] [--seed 1] [--cache DIR] [--out results.json]
 *
 * 1. writes the checkpoint (safetensors for gnomon, GGUF by ./gguf-writer.ts for llama.cpp) into
 *    the cache, once per shape, dtype and seed (./random-checkpoint.ts);
 * 2. installs node-llama-cpp@3.21.1 into the cache on first use (./node-llama-cpp.ts) and runs each
 *    llama.cpp backend in its own worker process (./peer-worker.ts);
 * 3. per backend, checks agreement first: per-token log-probs of the same ids on both engines (llama.cpp
 *    with flash attention off and an f32 KV cache, as gnomon computes), and refuses to time a backend
 *    whose largest |Δ log-prob| exceeds AGREEMENT_BOUND;
 * 4. times prefill, decode and load, interleaved (gnomon, peer, gnomon, peer …) over --repeats, after one
 *    untimed warm-up of each engine; prints every point and the summary "gnomon ÷ peer (median tok/s)",
 *    and writes every raw figure as JSON.
 *
 * Backends: cpu always (llama.cpp with --threads, default the machine's CPU count), vulkan where its
 * build finds a device (GGML_VK_VISIBLE_DEVICES=0 is set for it, else it skips lavapipe; f32 shader
 * arithmetic, see BACKENDS), cuda on a machine with an NVIDIA driver; vulkan-f16 (llama.cpp's Vulkan
 * as shipped) when asked for. One that cannot start is listed as not offered, with the reason.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_SHAPES } from '../../engine/model/model-shapes.js';
import { cacheRoot, packagePath } from '../../engine/index.js';
import { UserError } from '../../engine/errors.js';
import { runMain } from '../gpu-bench.js';
import { GnomonSide } from './gnomon-side.js';
import { ensureNodeLlamaCpp, NODE_LLAMA_CPP_VERSION, nodeLlamaCppPrefix, type LlamaGpu } from './node-llama-cpp.js';
import { PeerProcess } from './peer-process.js';
import { peerCheckpoint, type PeerCheckpoint, type PeerDtype } from './random-checkpoint.js';
import { detailTable, summaryTable, type BackendRun, type PointResult } from './report.js';
import { maxAbsDifference, pointLabel, promptIds, type MeasuredPoint } from './timing.js';

/**
 * Largest |Δ log-prob| accepted before timing. Both engines compute the same f32 (or f16-weight)
 * model; what differs is arithmetic: summation order and exp / rsqrt implementations in f32 (measured
 * on the mid shape: 4.8e-6 against llama.cpp's CPU build), llama.cpp's f16-weight CPU matmul rounding
 * the activations to f16 (2.1e-3), its Vulkan shaders on lavapipe (1.0e-3 with f32 weights, 1.5e-3
 * with f16). A wrong conversion is far larger: q/k rows left in Hugging Face's RoPE order give 1.2.
 * 1e-2 sits between the two.
 * (llama.cpp's Vulkan build as shipped computes in f16 where the device allows: 'vulkan-f16' below.)
 */
export const AGREEMENT_BOUND = 1e-2;

/**
 * llama.cpp's backends. 'vulkan' runs its Vulkan build with f32 shader arithmetic
 * (GGML_VK_DISABLE_F16=1), as gnomon computes; 'vulkan-f16' is the build as shipped, which on a
 * device with shaderFloat16 (lavapipe has it) multiplies and accumulates in f16: on the mid shape
 * that moved log-probs by 5.0e-3 with f32 weights and 2.7e-2 with f16 weights, past the bound.
 */
const BACKENDS = ['vulkan', 'vulkan-f16', 'cpu', 'cuda'] as const;
type Backend = (typeof BACKENDS)[number];
const GPU_OF: Record<Backend, LlamaGpu> = { vulkan: 'vulkan', 'vulkan-f16': 'vulkan', cpu: false, cuda: 'cuda' };
const ENV_OF: Record<Backend, Record<string, string>> = { vulkan: { GGML_VK_DISABLE_F16: '1' }, 'vulkan-f16': {}, cpu: {}, cuda: {} };

function numberList(value: string, flag: string): number[] {
  const items = value.split(',').filter(Boolean).map((item) => {
    const match = /^(\d+)(k?)$/i.exec(item.trim());
    if (!match) throw new UserError(`${flag} ${value}: "${item}" is not a token count`, `give whole numbers, e.g. ${flag} 128,512,2k`);
    return Number(match[1]) * (match[2] ? 1024 : 1);
  });
  return items;
}

function hasNvidiaDriver(): boolean {
  return existsSync('/proc/driver/nvidia/version');
}

interface Options {
  readonly shape: keyof typeof MODEL_SHAPES;
  readonly dtypes: PeerDtype[];
  readonly backends: Backend[];
  readonly prefill: number[];
  readonly decodeContexts: number[];
  readonly decodeSteps: number;
  readonly repeats: number;
  readonly load: boolean;
  readonly threads: number;
  readonly peerBatch: number;
  readonly agreementTokens: number;
  readonly seed: number;
  readonly cache: string;
  readonly out: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string', default: 'mid' },
      dtype: { type: 'string', default: 'f32,f16' },
      backends: { type: 'string' },
      prefill: { type: 'string', default: '128,512,2048,8192' },
      'decode-contexts': { type: 'string', default: '512,8192' },
      'decode-steps': { type: 'string', default: '64' },
      repeats: { type: 'string', default: '3' },
      'no-load': { type: 'boolean', default: false },
      threads: { type: 'string', default: String(availableParallelism()) },
      'peer-batch': { type: 'string', default: '512' },
      'agreement-tokens': { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
      cache: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!(values.shape in MODEL_SHAPES)) throw new UserError(`--shape ${values.shape} is not one of ${Object.keys(MODEL_SHAPES).join(', ')}`, 'pick a shape from engine/model/model-shapes.ts');
  const dtypes = values.dtype.split(',').map((d) => {
    if (d !== 'f32' && d !== 'f16') throw new UserError(`--dtype ${values.dtype}: "${d}" is not f32 or f16`, 'use --dtype f32, f16 or f32,f16');
    return d as PeerDtype;
  });
  const backends = (values.backends ?? (hasNvidiaDriver() ? 'cuda,vulkan,cpu' : 'vulkan,cpu')).split(',').map((b) => {
    if (!(BACKENDS as readonly string[]).includes(b)) throw new UserError(`--backends ${values.backends}: "${b}" is not one of ${BACKENDS.join(', ')}`, 'e.g. --backends vulkan,cpu');
    return b as Backend;
  });
  const positive = (value: string, flag: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${value} is not a positive whole number`, `e.g. ${flag} 3`);
    return n;
  };
  const cache = values.cache ? resolve(values.cache) : join(cacheRoot(), 'peers');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    shape: values.shape as keyof typeof MODEL_SHAPES,
    dtypes,
    backends,
    prefill: numberList(values.prefill, '--prefill'),
    decodeContexts: numberList(values['decode-contexts'], '--decode-contexts'),
    decodeSteps: positive(values['decode-steps'], '--decode-steps'),
    repeats: positive(values.repeats, '--repeats'),
    load: !values['no-load'],
    threads: positive(values.threads, '--threads'),
    peerBatch: positive(values['peer-batch'], '--peer-batch'),
    agreementTokens: positive(values['agreement-tokens'], '--agreement-tokens'),
    seed: positive(values.seed, '--seed'),
    cache,
    out: values.out ? resolve(values.out) : join(cache, 'results', `${values.shape}-${stamp}.json`),
  };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** One backend on one checkpoint: load, agreement, then the interleaved timings. */
async function runBackend(options: Options, checkpoint: PeerCheckpoint, gnomon: GnomonSide, gnomonLogprobs: readonly number[], agreementIds: readonly number[], backend: Backend, entry: string, contextSize: number): Promise<BackendRun> {
  const base = { backend, dtype: checkpoint.dtype, points: [] as PointResult[] };
  let started: { peer: PeerProcess; load: Awaited<ReturnType<typeof PeerProcess.start>>['load'] };
  try {
    started = await PeerProcess.start({
      kind: 'load', entry, gguf: checkpoint.gguf, gpu: GPU_OF[backend], threads: options.threads,
      contextSize, batchSize: options.peerBatch, flashAttention: false, kvCache: 'F32',
    }, ENV_OF[backend]);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    log(`  llama.cpp ${backend}: not offered here (${reason})`);
    return { ...base, skipped: `not offered: ${reason}` };
  }
  const { peer, load } = started;
  try {
    log(`  llama.cpp ${backend}: ${load.device}, ${load.gpuLayers} layers offloaded, context ${load.contextSize}, batch ${load.batchSize}, loaded in ${load.seconds.toFixed(2)} s`);
    const peerLogprobs = (await peer.request({ kind: 'logprobs', ids: agreementIds })).logprobs;
    // A log-prob of −∞ (a probability that underflowed to 0) is a disagreement, not a crash.
    const difference = peerLogprobs.every(Number.isFinite) ? maxAbsDifference(gnomonLogprobs, peerLogprobs) : Infinity;
    const agreement = { tokens: agreementIds.length, maxAbsLogprobDifference: difference, bound: AGREEMENT_BOUND, passed: difference <= AGREEMENT_BOUND };
    log(`  agreement (${checkpoint.dtype}, ${backend}): max |Δ log-prob| over ${agreementIds.length - 1} predictions = ${difference.toExponential(2)} (bound ${AGREEMENT_BOUND})`);
    const run = { ...base, device: load.device, peerLoad: load, agreement };
    if (!agreement.passed) {
      log(`  llama.cpp ${backend}: NOT TIMED: the engines disagree beyond the bound, so their speeds would not compare the same computation`);
      return { ...run, skipped: `disagrees: max |Δ log-prob| ${difference.toExponential(2)} > ${AGREEMENT_BOUND}` };
    }
    const vocab = checkpoint.config.vocabSize;
    const points: MeasuredPoint[] = [
      ...options.prefill.map((tokens) => ({ kind: 'prefill', tokens }) as const),
      ...options.decodeContexts.map((context) => ({ kind: 'decode', context, tokens: options.decodeSteps }) as const),
      ...(options.load ? [{ kind: 'load' } as const] : []),
    ];
    // Warm-up, untimed: pipelines, first-use allocations, and the largest KV cache either engine needs.
    const longest = Math.max(...options.prefill, ...options.decodeContexts.map((c) => c + options.decodeSteps));
    const warm = promptIds(Math.min(longest, contextSize - options.decodeSteps - 1), vocab, 1);
    await gnomon.decode(warm, 2);
    await peer.request({ kind: 'decode', ids: warm, steps: 2 });
    const results: PointResult[] = points.map((point) => ({ point, gnomon: { seconds: [] }, peer: { seconds: [] }, ...(point.kind === 'decode' ? { sameTokens: [] } : {}) }));
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      for (const [index, result] of results.entries()) {
        const point = result.point;
        const salt = 1000 + 100 * index + repeat;
        if (point.kind === 'prefill') {
          const ids = promptIds(point.tokens, vocab, salt);
          result.gnomon.seconds.push((await gnomon.prefill(ids)).seconds);
          result.peer.seconds.push((await peer.request({ kind: 'prefill', ids })).seconds);
        } else if (point.kind === 'decode') {
          const ids = promptIds(point.context, vocab, salt);
          const mine = await gnomon.decode(ids, point.tokens);
          const theirs = await peer.request({ kind: 'decode', ids, steps: point.tokens });
          result.gnomon.seconds.push(mine.seconds);
          result.peer.seconds.push(theirs.seconds);
          let same = 0;
          while (same < theirs.tokens.length && mine.tokens[same] === theirs.tokens[same]) same += 1;
          result.sameTokens?.push(same);
        } else {
          result.gnomon.seconds.push(await gnomon.reload());
          result.peer.seconds.push((await peer.request({ kind: 'reload' })).seconds);
        }
        log(`  ${checkpoint.dtype} ${backend} repeat ${repeat + 1}/${options.repeats} ${pointLabel(point)}: gnomon ${result.gnomon.seconds.at(-1)!.toFixed(3)} s, llama.cpp ${result.peer.seconds.at(-1)!.toFixed(3)} s`);
      }
    }
    return { ...run, points: results };
  } catch (error) {
    // One backend failing (its worker crashed, a request failed) leaves the others' figures standing.
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    log(`  ${checkpoint.dtype} ${backend}: FAILED, not timed (${reason})`);
    return { ...base, skipped: `failed: ${reason}` };
  } finally {
    peer.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const config = MODEL_SHAPES[options.shape];
  const longestDecode = Math.max(0, ...options.decodeContexts) + options.decodeSteps + 1;
  const needed = Math.max(...options.prefill, longestDecode, options.agreementTokens);
  // llama.cpp rounds its context up to a multiple of 256; gnomon gets the same length.
  const contextSize = Math.ceil(needed / 256) * 256;
  if (options.prefill.length === 0 && options.decodeContexts.length === 0 && !options.load) throw new UserError('nothing to time: --prefill and --decode-contexts are empty and --no-load is set', 'give --prefill 128,512 or --decode-contexts 512, or drop --no-load');
  if (contextSize > config.maxPositions) throw new UserError(`the longest point needs ${contextSize} positions, the ${options.shape} shape has ${config.maxPositions}`, 'use shorter --prefill / --decode-contexts');
  const entry = ensureNodeLlamaCpp(nodeLlamaCppPrefix(cacheRoot()), log);
  const shared = process.env['GNOMON_SHARED_DIR'] ? resolve(process.env['GNOMON_SHARED_DIR']) : resolve(packagePath(), '..', 'shared');
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverageAtStart: loadavg(), node: process.version, nodeLlamaCpp: NODE_LLAMA_CPP_VERSION };
  log(`peer bench: ${options.shape} shape (hidden ${config.hiddenSize}, ${config.layers} layers, vocab ${config.vocabSize}), ${options.dtypes.join(' + ')}, backends ${options.backends.join(', ')}, ${options.repeats} repeats; ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}`);
  const runs: BackendRun[] = [];
  const checkpoints: Record<string, unknown>[] = [];
  let gnomonDevice = '';
  for (const dtype of options.dtypes) {
    const checkpoint = await peerCheckpoint(join(options.cache, 'models'), options.shape, config, dtype, options.seed, join(shared, 'tokenizers', 'internlm2'), log);
    checkpoints.push({ dtype, dir: checkpoint.dir, safetensorsBytes: checkpoint.safetensorsBytes, ggufBytes: checkpoint.ggufBytes, vocabulary: checkpoint.vocabulary });
    const { side: gnomon, seconds } = await GnomonSide.load(checkpoint.dir, { contextLength: contextSize });
    gnomonDevice = gnomon.device;
    log(`gnomon ${dtype}: ${gnomon.device}, first load ${seconds.toFixed(2)} s`);
    try {
      const agreementIds = promptIds(options.agreementTokens, config.vocabSize, 0);
      const gnomonLogprobs = await gnomon.logprobs(agreementIds);
      for (const backend of options.backends) {
        runs.push(await runBackend(options, checkpoint, gnomon, gnomonLogprobs, agreementIds, backend, entry, contextSize));
      }
    } finally {
      await gnomon.dispose();
    }
  }
  const shapeLabel = `${options.shape} shape (hidden ${config.hiddenSize}, ${config.layers} layers)`;
  process.stdout.write(`\n== gnomon vs llama.cpp (node-llama-cpp ${NODE_LLAMA_CPP_VERSION}), ${shapeLabel}, random weights, same prompt ids ==\n`);
  process.stdout.write(`gnomon: ${gnomonDevice}; machine: ${machine.cpus} × ${machine.cpuModel}, load average at start ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}\n`);
  process.stdout.write('\nAgreement (per-token log-probs of the same ids; llama.cpp: flash attention off, f32 KV cache):\n');
  for (const run of runs) {
    if (run.agreement) process.stdout.write(`  ${run.dtype} ${run.backend} (${run.device}): max |Δ log-prob| = ${run.agreement.maxAbsLogprobDifference.toExponential(2)} over ${run.agreement.tokens - 1} predictions, bound ${run.agreement.bound}: ${run.agreement.passed ? 'agree' : 'DISAGREE (not timed)'}\n`);
    else process.stdout.write(`  ${run.dtype} ${run.backend}: ${run.skipped ?? ''}\n`);
  }
  const timed = runs.filter((r) => r.points.length > 0);
  if (timed.length > 0) {
    process.stdout.write(`\nEvery point (${options.repeats} repeats, interleaved gnomon / llama.cpp; decode ${options.decodeSteps} tokens, one token per step on both; load: seconds):\n${detailTable(timed)}\n`);
    process.stdout.write(`\n${summaryTable(runs, options.shape)}\n`);
  }
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ options, machine, gnomonDevice, contextSize, agreementBound: AGREEMENT_BOUND, checkpoints, runs }, null, 2)}\n`);
  process.stdout.write(`\nraw figures: ${options.out}\n`);
}

runMain(main);
