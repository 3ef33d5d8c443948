/**
 * `--compat opencompass-0.2.4 --mode ppl` cost: OpenCompass's rule (mean loss over each option's whole
 * sequence) computed the way OpenCompass runs it — four full sequences per question, each from bos —
 * vs the way `harness ceval --compat` runs it: the options' shared token prefix once, with its own
 * log-probs (`ScoreRequest.prefixLogprobs`), then the four tails; with and without the engine's
 * cross-question prefix cache (which then also serves the prefix's log-probs). Same model, same
 * questions, same run; prints forward tokens (model.counters) and wall time side by side and checks
 * that every way gives the same scores and the same choices.
 *
 *   npx tsc -p . && node dist/bench/opencompass-ppl.js [--model DIR] [--subject computer_network] [--limit N]
 *     [--chat on|off] [--max-seq-len 2048] [--data-dir ../shared/benchmarks]
 */
import { parseArgs } from 'node:util';
import { CHOICE_LETTERS } from '../harness/ceval/dataset.js';
import { meanSequenceLogprob, type OpenCompassSettings } from '../harness/ceval/opencompass/render.js';
import { cevalQuestionSet } from '../harness/ceval/question-set.js';
import { plannedQuestions, prepareQuestion, type PreparedQuestion } from '../harness/ceval/runner.js';
import { openModel } from '../harness/model-options.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    subject: { type: 'string', default: 'computer_network' },
    'data-dir': { type: 'string', default: '../shared/benchmarks' },
    limit: { type: 'string' },
    chat: { type: 'string', default: 'off' },
    'max-seq-len': { type: 'string', default: '2048' },
    backend: { type: 'string' },
  },
});

const model = await openModel({ model: values.model, backend: values.backend });
const set = cevalQuestionSet(values['data-dir'] ?? '../shared/benchmarks', 'val', [values.subject ?? 'computer_network']);
const [plan] = plannedQuestions(set, values.limit ? Number(values.limit) : undefined);
if (!plan) throw new Error('no subject');
const settings: OpenCompassSettings = { compat: 'opencompass-0.2.4', mode: 'ppl', chat: values.chat === 'on', maxSeqLen: Number(values['max-seq-len']), maxOutLen: 16 };
const prepared: PreparedQuestion[] = [];
for (const question of plan.questions) {
  const p = await prepareQuestion(model, set, plan.subject, plan.shots, question, 'ppl', settings.chat, 16, settings);
  if (p.skipReason) process.stderr.write(`skipping ${question.subject} row ${question.row}: ${p.skipReason}\n`);
  else prepared.push(p);
}

interface Measured { readonly tokens: number; readonly ms: number; readonly scores: number[][]; readonly letterOnly: number[][] }

/** Scores a two-token dummy sequence so the next call finds no cached prefix (outside the counted region). */
async function clearPrefixCache(): Promise<void> {
  const bos = model.tokenizer.bosId ?? 1;
  await model.scoreContinuations([bos, model.tokenizer.eosId ?? 2], [[bos]]);
}

async function timed<T>(work: () => Promise<T>, counter: { tokens: number; ms: number }): Promise<T> {
  const tokensBefore = model.counters.forwardTokens;
  const started = performance.now();
  const result = await work();
  counter.ms += performance.now() - started;
  counter.tokens += model.counters.forwardTokens - tokensBefore;
  return result;
}

/** harness ceval --compat: one request per question, the shared prefix's log-probs returned once. */
async function sharedPrefix(isolated: boolean): Promise<Measured> {
  const counter = { tokens: 0, ms: 0 };
  const scores: number[][] = [];
  // gnomon's own rule for comparison: the first scored token (the letter) after the shared prefix.
  const letterOnly: number[][] = [];
  for (const p of prepared) {
    if (isolated) await clearPrefixCache();
    const [result] = await timed(() => model.scoreBatch([{ prefixIds: p.promptIds, continuations: p.continuations, prefixLogprobs: true }]), counter);
    scores.push((result ?? []).map((r) => meanSequenceLogprob(r.prefixTokenLogprobs ?? [Number.NaN], r.tokenLogprobs)));
    letterOnly.push((result ?? []).map((r) => r.tokenLogprobs[0] ?? Number.NaN));
  }
  return { ...counter, scores, letterOnly };
}

/** OpenCompass's PPLInferencer: every option's whole sequence from bos. */
async function fullSequences(): Promise<Measured> {
  const counter = { tokens: 0, ms: 0 };
  const scores: number[][] = [];
  for (const p of prepared) {
    const row: number[] = [];
    for (const tail of p.continuations) {
      const ids = [...p.promptIds, ...tail];
      await clearPrefixCache();
      const [full] = await timed(() => model.scoreContinuations([ids[0] as number], [ids.slice(1)]), counter);
      row.push((full?.sumLogprob ?? Number.NaN) / ids.length);
    }
    scores.push(row);
  }
  return { ...counter, scores, letterOnly: [] };
}

// Warm-up: pipelines compile on first use; keep that out of every timing.
if (prepared[0]) await model.scoreBatch([{ prefixIds: prepared[0].promptIds, continuations: prepared[0].continuations, prefixLogprobs: true }]);

const cached = await sharedPrefix(false);
const shared = await sharedPrefix(true);
const full = await fullSequences();

let maxDifference = 0;
let sameChoice = 0;
const argmax = (values: readonly number[]): number => values.indexOf(Math.max(...values));
full.scores.forEach((row, i) => {
  for (const other of [shared.scores[i] ?? [], cached.scores[i] ?? []]) {
    row.forEach((value, j) => { maxDifference = Math.max(maxDifference, Math.abs(value - (other[j] ?? Number.NaN))); });
  }
  if (argmax(row) === argmax(shared.scores[i] ?? []) && argmax(row) === argmax(cached.scores[i] ?? [])) sameChoice += 1;
});

const n = prepared.length;
const meanLength = prepared.reduce((sum, p) => sum + p.promptIds.length + Math.max(...p.continuations.map((c) => c.length)), 0) / Math.max(1, n);
const meanShots = prepared.reduce((sum, p) => sum + (p.openCompass?.shots ?? 0), 0) / Math.max(1, n);
const rows = [
  ['', 'forward tokens', 'wall time (s)', 'questions/s', 'tokens vs full'],
  ['four whole sequences (OpenCompass PPLInferencer)', String(full.tokens), (full.ms / 1000).toFixed(2), (n / (full.ms / 1000)).toFixed(2), '1.00×'],
  ['shared prefix + prefix log-probs', String(shared.tokens), (shared.ms / 1000).toFixed(2), (n / (shared.ms / 1000)).toFixed(2), `${(shared.tokens / full.tokens).toFixed(2)}×`],
  ['… + engine prefix cache (harness ceval --compat)', String(cached.tokens), (cached.ms / 1000).toFixed(2), (n / (cached.ms / 1000)).toFixed(2), `${(cached.tokens / full.tokens).toFixed(2)}×`],
];
const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
process.stdout.write(`opencompass-0.2.4 ppl (mean loss over whole sequences) · model ${model.info.name} (${model.info.device}) · ${values.subject} val: ${n} questions, `
  + `${settings.chat ? 'chat' : 'base'} prompts, max_seq_len ${settings.maxSeqLen}, mean ${meanShots.toFixed(1)} shots, mean sequence ${meanLength.toFixed(0)} tokens\n`);
for (const row of rows) process.stdout.write(`${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')}\n`);
process.stdout.write(`four whole sequences / shared prefix: ${(full.tokens / shared.tokens).toFixed(2)}× the forward tokens, ${(full.ms / shared.ms).toFixed(2)}× the wall time\n`);
process.stdout.write(`agreement: max |Δ mean log p| = ${maxDifference.toExponential(2)}, same choice on ${sameChoice}/${n} questions (${CHOICE_LETTERS.length} options each)\n`);
const differs = shared.scores.filter((row, i) => argmax(row) !== argmax(shared.letterOnly[i] ?? [])).length;
process.stdout.write(`ranking by the letter's log-prob alone (gnomon's own ppl rule, same prompts) picks another option on ${differs}/${n} questions\n`);
await model.dispose();
process.exit(0);
