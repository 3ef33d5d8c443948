/**
 * ppl-mode cost: the four letters scored as continuations of one shared prefix (what `harness ceval
 * --mode ppl` does) vs four full sequences (prompt + letter, each computed from scratch — the naive
 * way, and what OpenCompass's PPLInferencer runs), plus the engine's cross-question prefix cache on
 * top. Same model, same questions, same run; prints forward tokens (model.counters) and wall time
 * side by side with the ratio, and checks that all ways give the same log-probabilities.
 *
 *   npx tsc -p . && node dist/bench/ceval-prefix-sharing.js [--model DIR] [--subject computer_network] [--data-dir ../shared/benchmarks]
 */
import { parseArgs } from 'node:util';
import { cevalQuestionSet } from '../harness/ceval/question-set.js';
import { useChatFormat } from '../harness/ceval/prompt.js';
import { plannedQuestions, prepareQuestion, type PreparedQuestion } from '../harness/ceval/runner.js';
import { openModel } from '../harness/model-options.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    subject: { type: 'string', default: 'computer_network' },
    'data-dir': { type: 'string', default: '../shared/benchmarks' },
    limit: { type: 'string' },
    chat: { type: 'string', default: 'auto' },
    backend: { type: 'string' },
  },
});

const model = await openModel({ model: values.model, backend: values.backend });
const set = cevalQuestionSet(values['data-dir'] ?? '../shared/benchmarks', 'val', [values.subject ?? 'computer_network']);
const [plan] = plannedQuestions(set, values.limit ? Number(values.limit) : undefined);
if (!plan) throw new Error('no subject');
const chat = useChatFormat(values.chat === 'on' ? 'on' : values.chat === 'off' ? 'off' : 'auto', model.tokenizer);
const prepared: PreparedQuestion[] = [];
for (const question of plan.questions) {
  const p = await prepareQuestion(model, set, plan.subject, plan.shots, question, 'ppl', chat, 16);
  if (p.skipReason) process.stderr.write(`skipping ${question.subject} row ${question.row}: ${p.skipReason}\n`);
  else prepared.push(p);
}

interface Measured { readonly tokens: number; readonly ms: number; readonly scores: number[][] }

/**
 * The engine also keeps the last prefix's keys and values across calls (C-Eval's five shots repeat
 * for every question of a subject). To measure the cost of each way by itself, `isolated` runs clear
 * that cache before every call by scoring a two-token dummy sequence, outside the counted tokens and
 * the timed region.
 */
async function clearPrefixCache(): Promise<void> {
  const bos = model.tokenizer.bosId ?? 1;
  await model.scoreContinuations([bos, model.tokenizer.eosId ?? 2], [[bos]]);
}

async function measure(calls: (p: PreparedQuestion) => (readonly (readonly number[])[])[], isolated: boolean): Promise<Measured> {
  let tokens = 0;
  let ms = 0;
  const scores: number[][] = [];
  for (const p of prepared) {
    const row: number[] = [];
    for (const continuations of calls(p)) {
      if (isolated) await clearPrefixCache();
      const tokensBefore = model.counters.forwardTokens;
      const started = performance.now();
      const scored = await model.scoreContinuations(p.promptIds, continuations);
      ms += performance.now() - started;
      tokens += model.counters.forwardTokens - tokensBefore;
      row.push(...scored.map((s) => s.sumLogprob));
    }
    scores.push(row);
  }
  return { tokens, ms, scores };
}

// Warm-up: pipelines compile on first use; keep that out of every timing.
if (prepared[0]) await model.scoreContinuations(prepared[0].promptIds, prepared[0].continuations);

const oneCall = (p: PreparedQuestion) => [p.continuations];
const fourCalls = (p: PreparedQuestion) => p.continuations.map((c) => [c]);
const cached = await measure(oneCall, false);
const shared = await measure(oneCall, true);
const full = await measure(fourCalls, true);

let maxDifference = 0;
let sameChoice = 0;
shared.scores.forEach((row, i) => {
  const other = full.scores[i] ?? [];
  (cached.scores[i] ?? []).forEach((value, j) => { maxDifference = Math.max(maxDifference, Math.abs(value - (row[j] ?? Number.NaN))); });
  row.forEach((value, j) => { maxDifference = Math.max(maxDifference, Math.abs(value - (other[j] ?? Number.NaN))); });
  const argmax = (values: number[]): number => values.indexOf(Math.max(...values));
  if (argmax(row) === argmax(other)) sameChoice += 1;
});

const n = prepared.length;
const meanPrompt = prepared.reduce((sum, p) => sum + p.promptIds.length, 0) / Math.max(1, n);
const columns = [
  ['', 'forward tokens', 'wall time (s)', 'questions/s', 'tokens vs shared'],
  ['four full sequences', String(full.tokens), (full.ms / 1000).toFixed(2), (n / (full.ms / 1000)).toFixed(2), `${(full.tokens / shared.tokens).toFixed(2)}×`],
  ['shared prefix (one pass per question)', String(shared.tokens), (shared.ms / 1000).toFixed(2), (n / (shared.ms / 1000)).toFixed(2), '1.00×'],
  ['shared prefix + engine prefix cache (harness ceval)', String(cached.tokens), (cached.ms / 1000).toFixed(2), (n / (cached.ms / 1000)).toFixed(2), `${(cached.tokens / shared.tokens).toFixed(2)}×`],
];
const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...columns.map((r) => r[c]?.length ?? 0)));
process.stdout.write(`ceval ppl prefix sharing · model ${model.info.name} (${model.info.device}) · ${values.subject} val: ${n} questions, mean prompt ${meanPrompt.toFixed(0)} tokens, ${chat ? 'chat' : 'plain'} prompts\n`);
for (const row of columns) process.stdout.write(`${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')}\n`);
process.stdout.write(`four full sequences / shared prefix: ${(full.tokens / shared.tokens).toFixed(2)}× the forward tokens, ${(full.ms / shared.ms).toFixed(2)}× the wall time\n`);
process.stdout.write(`agreement: max |Δ log p| = ${maxDifference.toExponential(2)}, same choice on ${sameChoice}/${n} questions\n`);
await model.dispose();
process.exit(0);
