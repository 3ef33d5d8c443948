/**
 * Long-context prefill on the CPU path: a generated one-layer model (shape "long": one KV group,
 * head_dim 16) prefills a 32,768-token sequence through the engine's attention (the adapter's kernel
 * family: tiled on GPUs, register blocks on CPUs), with every position's
 * next-token log-prob read back; at a shorter length the same model with the per-row attention
 * kernel (the engine's first, checked against the fixtures) gives the reference log-probs.
 *
 *   npm run bench -- long-context [--tokens 32768] [--check-tokens 2048] [--shape long] [--unsafe]
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../engine/gpu/device.js';
import { defaultKernelFamily } from '../engine/model/kernel-family.js';
import { InternLM2Model, type ForwardRow, type Pick } from '../engine/model/model.js';
import { MODEL_SHAPES, type ModelShapeName } from '../engine/model/model-shapes.js';
import { randomWeights } from '../engine/model/random-weights.js';
import { benchDevice, describeContext, fmt, isEntry, printTable, runMain } from './gpu-bench.js';

async function prefill(model: InternLM2Model, tokens: number): Promise<{ logprobs: number[]; seconds: number }> {
  const c = model.config;
  await model.ensureKvCache(1, tokens);
  const token = (p: number): number => (p * 2654435761) % c.vocabSize;
  const rows: ForwardRow[] = [];
  const picks: Pick[] = [];
  for (let p = 0; p < tokens; p += 1) {
    rows.push({ token: token(p), slot: 0, position: p, ropeBase: c.ropeTheta });
    picks.push({ row: p, target: token(p + 1) });
  }
  const started = performance.now();
  const result = await model.forward(rows, picks);
  return { logprobs: result.picks.map((p) => p.targetLogprob), seconds: (performance.now() - started) / 1000 };
}

export async function benchLongContext(gpu: GpuContext, options: { tokens: number; checkTokens: number; shape: ModelShapeName }): Promise<void> {
  const config = MODEL_SHAPES[options.shape];
  const family = defaultKernelFamily(gpu.adapter);
  const engine = await InternLM2Model.fromWeights(gpu, config, await randomWeights(gpu, config, { format: 'f32', seed: 5 }), { attention: 'blocked' });
  const perRow = await InternLM2Model.fromWeights(gpu, config, await randomWeights(gpu, config, { format: 'f32', seed: 5 }), { attention: 'per-row' });
  const rows: string[][] = [];
  try {
    const check = await prefill(engine, options.checkTokens);
    const reference = await prefill(perRow, options.checkTokens);
    let worst = 0;
    check.logprobs.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (reference.logprobs[i] as number)));
    });
    rows.push(['per-row (reference)', String(options.checkTokens), fmt(reference.seconds), fmt(options.checkTokens / reference.seconds), '—']);
    rows.push([`engine (${family})`, String(options.checkTokens), fmt(check.seconds), fmt(options.checkTokens / check.seconds), worst.toExponential(2)]);
    process.stderr.write(`  long-context check at ${options.checkTokens} done\n`);
    const long = await prefill(engine, options.tokens);
    const finite = long.logprobs.filter(Number.isFinite).length;
    if (finite !== options.tokens) throw new Error(`${options.tokens - finite} non-finite log-probs at ${options.tokens} tokens`);
    const tail = long.logprobs.slice(-1024);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    rows.push([`engine (${family})`, String(options.tokens), fmt(long.seconds), fmt(options.tokens / long.seconds), `all finite; mean log-prob of the last 1024: ${mean.toFixed(3)}`]);
  } finally {
    engine.dispose();
    perRow.dispose();
  }
  printTable(`Long-context prefill, shape ${options.shape} (${config.layers} layer(s), ${config.heads} heads / ${config.kvHeads} KV, head_dim ${config.headDim}); every position scored`, ['attention', 'tokens', 'seconds', 'tokens/s', 'max |Δ log-prob| vs per-row'], rows);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tokens: { type: 'string', default: '32768' }, 'check-tokens': { type: 'string', default: '2048' }, shape: { type: 'string', default: 'long' }, unsafe: { type: 'boolean', default: false } } });
  const gpu = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`Adapter: ${describeContext(gpu)}\n`);
  await benchLongContext(gpu, { tokens: Number(values.tokens), checkTokens: Number(values['check-tokens']), shape: (values.shape ?? 'long') as ModelShapeName });
}

if (isEntry(import.meta.url)) runMain(main);
