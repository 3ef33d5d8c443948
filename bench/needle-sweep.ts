/**
 * Needle sweep throughput: cells per second for a lengths × 11-depth sweep, and where the time goes —
 * model calls (prefill + decode, from model.counters) vs planning (tokenizing sentences once, assembling
 * and re-encoding each prompt) vs writing the report. Planning, tokenizing and reporting should stay
 * under 5% of a sweep on a real model.
 *
 * Beside it, the naive planner for the same cells: find how many sentences fit by re-encoding the
 * whole candidate prompt in a binary search (what a planner without per-sentence counts does), timed
 * on the tokenizer alone.
 *
 *   npx tsc -p . && node dist/bench/needle-sweep.js [--model DIR | --scripted] [--lengths 1k..32k] [--haystack en|zh] [--depth-steps 11]
 *
 * Without --model, the demo checkpoint runs (through the engine); --scripted runs the oracle scripted
 * model over the tiny fixture's byte-level BPE tokenizer, to time the harness on its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LanguageModel, TextTokenizer } from '../engine/language-model.js';
import { loadTokenizer } from '../engine/tokenizer/tokenizer.js';
import { cellKey, formatTokenCount, gridCells, parseDepths, parseLengths, type GridCell } from '../harness/needle/grid.js';
import { loadHaystack, type Haystack } from '../harness/needle/haystack.js';
import { runNeedle } from '../harness/needle/needle-run.js';
import { encodePrompt, renderPrompt } from '../harness/needle/prompt.js';
import { openModel } from '../harness/model-options.js';
import { OracleNeedleModel } from './scripted-needle-models.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    scripted: { type: 'boolean', default: false },
    backend: { type: 'string' },
    lengths: { type: 'string', default: '1k..32k' },
    'depth-steps': { type: 'string', default: '11' },
    haystack: { type: 'string', default: 'en' },
    'answer-tokens': { type: 'string', default: '32' },
    'skip-naive': { type: 'boolean', default: false },
  },
});

const FIXTURE_TOKENIZER = '../shared/fixtures/internlm2/tiny-fp32';

async function benchModel(): Promise<LanguageModel> {
  if (values.scripted) return new OracleNeedleModel({ tokenizer: await loadTokenizer(FIXTURE_TOKENIZER) });
  return openModel({ model: values.model, backend: values.backend });
}

/** The naive planner: binary search on the sentence count, re-encoding the full prompt each probe. */
async function naivePlanMs(tokenizer: TextTokenizer, haystack: Haystack, cells: readonly GridCell[], reserve: number): Promise<number> {
  const started = performance.now();
  const needle = ' The secret code for the blue door is 482193.';
  const question = 'What is the secret code for the blue door? Answer with the code only.';
  for (const cell of cells) {
    const textWith = (count: number): string => {
      const sentences = haystack.sentences.slice(0, count);
      const at = Math.round((cell.depthTarget / 100) * count);
      return renderPrompt(tokenizer, haystack.language, [...sentences.slice(0, at), needle, ...sentences.slice(at)].join('').trim(), question);
    };
    let low = 0;
    let high = Math.min(haystack.sentences.length, cell.lengthTarget);
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((await encodePrompt(tokenizer, textWith(middle))).length + reserve <= cell.lengthTarget) low = middle;
      else high = middle - 1;
    }
  }
  return performance.now() - started;
}

const model = await benchModel();
const lengths = parseLengths(values.lengths ?? '1k..32k');
const depths = parseDepths('0..100', Number(values['depth-steps'] ?? '11'));
const answerTokens = Number(values['answer-tokens'] ?? '32');
const out = mkdtempSync(join(tmpdir(), 'gnomon-needle-bench-'));
const counters = { ...model.counters };
const started = performance.now();
const result = await runNeedle(model, {
  settings: {
    grid: { lengths, depths, repeats: 1 }, seed: 'bench', haystack: values.haystack ?? 'en',
    task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens, threshold: 0.85,
  },
  outDir: out,
  argv: 'bench/needle-sweep',
});
const wallMs = performance.now() - started;
const prefillMs = model.counters.prefillMs - counters.prefillMs;
const decodeMs = model.counters.decodeMs - counters.decodeMs;
const { sweep } = result;
const ran = sweep.records.filter((r) => r.status === 'ok').length;
const otherMs = wallMs - sweep.generateMs - sweep.planMs - result.reportMs;
const share = (ms: number): string => `${((100 * ms) / wallMs).toFixed(1)}%`;

const lines = [
  `needle sweep: ${model.info.name} on ${model.info.device}, haystack ${values.haystack}, lengths ${lengths.map(formatTokenCount).join(',')} × ${depths.length} depths`,
  `cells: ${sweep.records.length} (${ran} run, ${sweep.records.length - ran} exceed the context or failed)`,
  `wall ${(wallMs / 1000).toFixed(2)} s · ${(sweep.records.length / (wallMs / 1000)).toFixed(2)} cells/s (${(ran / (wallMs / 1000)).toFixed(2)} run cells/s)`,
  `  model calls      ${(sweep.generateMs / 1000).toFixed(2)} s  ${share(sweep.generateMs)}  (engine counters: prefill ${(prefillMs / 1000).toFixed(2)} s, decode ${(decodeMs / 1000).toFixed(2)} s)`,
  `  planning         ${(sweep.planMs / 1000).toFixed(2)} s  ${share(sweep.planMs)}  (of which sentence encoding, once per sentence: ${(sweep.sentenceEncodeMs / 1000).toFixed(2)} s)`,
  `  report           ${(result.reportMs / 1000).toFixed(2)} s  ${share(result.reportMs)}`,
  `  other (records, run dir, haystack load)  ${(otherMs / 1000).toFixed(2)} s  ${share(otherMs)}`,
  `  planning + report + other: ${share(sweep.planMs + result.reportMs + otherMs)} of the sweep`,
];
if (!values['skip-naive']) {
  // The cells the sweep planned (it refuses targets of twice the context or more unplanned).
  const planned = new Set(sweep.records.filter((r) => r.prompt_tokens !== null).map((r) => r.key));
  const cells = gridCells({ lengths, depths, repeats: 1 }).filter((cell) => planned.has(cellKey(cell)));
  const naiveMs = await naivePlanMs(model.tokenizer, loadHaystack(values.haystack ?? 'en'), cells, answerTokens);
  lines.push(`naive planning (binary search, full re-encode per probe): ${(naiveMs / 1000).toFixed(2)} s for the same ${cells.length} planned cells — ${(naiveMs / Math.max(1e-9, sweep.planMs)).toFixed(1)}× the counted planner`);
}
lines.push(`run directory ${result.dir}`);
process.stdout.write(`${lines.join('\n')}\n`);
await model.dispose();
process.exit(0);
