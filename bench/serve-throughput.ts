/**
 * `harness serve` throughput: requests per second and p50/p95 latency at 1, 4 and 16 concurrent
 * clients, for two workloads — scoring (a C-Eval-sized prompt's log-probs through /v1/completions with
 * echo + logprobs + max_tokens 0) and greedy generation (16 new tokens) — beside the same requests as
 * in-process LanguageModel calls (the baseline: no HTTP, no JSON). The server is the real command,
 * `harness serve`, in a child process; the in-process baseline runs in this process on the same model.
 * Served concurrent requests are batched into the engine's batch calls; in-process calls made
 * concurrently are serialised one by one (the session runs one call at a time), so they show what
 * batching buys as well as what HTTP costs.
 *
 *   npm run build && node dist/bench/serve-throughput.js [--model DIR] [--requests 16] [--concurrency 1,4,16] [--rounds 3]
 *
 * Without --model, the built-in demo checkpoint.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LanguageModel } from '../engine/language-model.js';
import { packagePath } from '../engine/index.js';
import { ensureDemoCheckpoint } from '../harness/demo-checkpoint.js';
import { openModel } from '../harness/model-options.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    requests: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '1,4,16' },
    'prompt-words': { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
  },
});

const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const LEVELS = (values.concurrency ?? '1,4,16').split(',').map(Number);
const NEW_TOKENS = 16;

interface Measurement {
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Each figure's median over rounds. */
function medianOf(runs: readonly Measurement[]): Measurement {
  return { perSecond: median(runs.map((m) => m.perSecond)), p50: median(runs.map((m) => m.p50)), p95: median(runs.map((m) => m.p95)) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs `count` calls of `work(i)` with `concurrency` in flight; latency of each, and the rate. */
async function measure(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<Measurement> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const index = next++;
      const t = performance.now();
      await work(index);
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

/** Prompts that differ from the first word on (no shared prefix to cache), as separate questions do. */
async function prompts(model: LanguageModel, words: number): Promise<number[][]> {
  const vocabulary = ['the', 'river', 'code', 'blue', 'door', 'seven', 'question', 'answer', 'north', 'engine', 'paper', 'light'];
  return Promise.all(Array.from({ length: REQUESTS }, async (_, r) => {
    const text = Array.from({ length: words }, (_, w) => vocabulary[(r * 7 + w * (r % 5 + 1)) % vocabulary.length]).join(' ');
    const ids = await model.tokenizer.encode(`${r}: ${text}`);
    return model.tokenizer.bosId === undefined ? ids : [model.tokenizer.bosId, ...ids];
  }));
}

async function startServe(modelDir: string): Promise<{ baseUrl: string; stop: () => void }> {
  const cli = packagePath('dist', 'harness', 'cli.js');
  const child = spawn(process.execPath, [cli, 'serve', '--model', modelDir, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`harness serve exited with ${code}`)));
  });
  return { baseUrl, stop: () => child.kill('SIGTERM') };
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function batching(baseUrl: string): Promise<{ calls: number; requests: number }> {
  const health = (await (await fetch(baseUrl.replace(/\/v1$/, '/health'))).json()) as { batching: { calls: number; requests: number } };
  return health.batching;
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => cell.padStart(widths[i] ?? 8)).join('  ');
}

async function main(): Promise<void> {
  const modelDir = values.model ?? (await ensureDemoCheckpoint());
  const model = await openModel({ model: modelDir });
  const promptIds = await prompts(model, Number(values['prompt-words']));
  const meanPrompt = promptIds.reduce((s, p) => s + p.length, 0) / promptIds.length;
  process.stdout.write(`model ${model.info.name} (${model.info.device}); ${REQUESTS} requests per cell, median of ${ROUNDS} interleaved rounds; prompts ~${meanPrompt.toFixed(0)} tokens; generation ${NEW_TOKENS} new tokens, greedy\n\n`);

  const workloads = {
    score: {
      local: (i: number) => model.scoreContinuations((promptIds[i] ?? []).slice(0, 1), [(promptIds[i] ?? []).slice(1)]).then(() => undefined),
      served: (url: string, i: number) => post(`${url}/completions`, { prompt: promptIds[i], max_tokens: 0, echo: true, logprobs: 1 }).then(() => undefined),
    },
    generate: {
      local: (i: number) => model.generate(promptIds[i] ?? [], { maxNewTokens: NEW_TOKENS, stopTokenIds: [] }).then(() => undefined),
      served: (url: string, i: number) => post(`${url}/completions`, { prompt: promptIds[i], max_tokens: NEW_TOKENS, temperature: 0, ignore_eos: true }).then(() => undefined),
    },
  } as const;

  // Both sides stay up and the cells interleave (in-process, served, next cell …) for --rounds
  // rounds; each figure is the median over rounds, since this machine's speed swings from minute to
  // minute. Warm both first (shader compilation, first allocations).
  const server = await startServe(modelDir);
  try {
    for (const work of Object.values(workloads)) {
      await work.local(0);
      await work.served(server.baseUrl, 0);
    }
    const cells = new Map<string, { local: Measurement[]; served: Measurement[]; batch: number[] }>();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, work] of Object.entries(workloads)) {
        for (const level of LEVELS) {
          const cell = cells.get(`${name}@${level}`) ?? { local: [], served: [], batch: [] };
          cells.set(`${name}@${level}`, cell);
          cell.local.push(await measure(REQUESTS, level, work.local));
          const before = await batching(server.baseUrl);
          cell.served.push(await measure(REQUESTS, level, (i) => work.served(server.baseUrl, i)));
          const after = await batching(server.baseUrl);
          cell.batch.push((after.requests - before.requests) / Math.max(1, after.calls - before.calls));
        }
      }
    }
    const widths = [9, 11, 15, 9, 9, 13, 9, 9, 11];
    process.stdout.write(`${row(['workload', 'concurrency', 'in-process r/s', 'p50 ms', 'p95 ms', 'served r/s', 'p50 ms', 'p95 ms', 'mean batch'], widths)}\n`);
    for (const name of Object.keys(workloads)) {
      for (const level of LEVELS) {
        const cell = cells.get(`${name}@${level}`) as { local: Measurement[]; served: Measurement[]; batch: number[] };
        const local = medianOf(cell.local);
        const served = medianOf(cell.served);
        process.stdout.write(`${row([
          name, String(level), local.perSecond.toFixed(1), local.p50.toFixed(0), local.p95.toFixed(0),
          served.perSecond.toFixed(1), served.p50.toFixed(0), served.p95.toFixed(0), median(cell.batch).toFixed(1),
        ], widths)}\n`);
      }
    }
  } finally {
    server.stop();
    await model.dispose();
  }
  process.stdout.write(`\n(${new Date().toISOString()}; ${join('bench', 'serve-throughput.ts')})\n`);
}

await main();
process.exit(0);
