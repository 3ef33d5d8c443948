/**
 * Runs a question set through a LanguageModel and appends one record per question as it finishes.
 * ppl mode: one scoring request per question — the prompt as a shared prefix and the four letters
 * as continuations — several questions per `scoreBatch` call for throughput (results do not depend
 * on batching). gen mode: greedy `generateBatch`, answer extracted from the text.
 * `--compat opencompass*`: prompts as that OpenCompass version renders them (opencompass/), ppl
 * ranked by each option's whole-sequence mean log-prob (the prefix's log-probs come back once with
 * the prefix-shared request), gen read by the run's extractor.
 * Finished questions (by subject and row) are skipped, which is what `--resume` relies on.
 */
import { NonFiniteScoreError, type ChatMessage, type GenerationResult, type LanguageModel } from '../../engine/language-model.js';
import { failureRecord, isRequestFailure, settledBatch, type Settled } from '../request-failures.js';
import { RecordWriter } from '../records.js';
import type { ShardWork } from '../scale/shard.js';
import { readAnswer, type Extractor } from './answer-extraction.js';
import { CHOICE_LETTERS, type ChoiceLetter, type ChoiceQuestion } from './dataset.js';
import type { CompatMode } from './opencompass/compat.js';
import { prepareOpenCompass } from './opencompass/prepared-question.js';
import { meanSequenceLogprob, type OpenCompassSettings } from './opencompass/render.js';
import { continuationIds, encodePrompt, promptHash, promptMessages, renderPromptTexts } from './prompt.js';
import type { QuestionSet, SubjectEntry } from './question-set.js';
import { CEVAL_RECORD_SCHEMA, recordKey, type CevalRecord, type EvaluationMode } from './record.js';

export interface CevalRunOptions {
  readonly mode: EvaluationMode;
  /** Render turns with the chat template (else plain text joined OpenCompass's way). */
  readonly chat: boolean;
  /** At most this many questions per subject (the first ones). */
  readonly limit?: number | undefined;
  /** gen mode: most new tokens. */
  readonly maxOutLen: number;
  /** Questions per engine call. */
  readonly batchSize: number;
  readonly recordsFile: string;
  /** Keys (`recordKey`) already in the records file. */
  readonly finished: ReadonlySet<string>;
  /** Run only this shard's questions (`--shard I/N`); `recordsFile` is then the shard's file. */
  readonly shard?: ShardWork;
  readonly onRecord?: (record: CevalRecord, done: number, total: number) => void;
  /** Absent: gnomon's own prompts and scoring. */
  readonly openCompass?: OpenCompassSettings | undefined;
  /** gen: how the letter is read (default gnomon's extractor). */
  readonly extractor?: Extractor;
}

export interface CevalRunSummary {
  readonly total: number;
  readonly alreadyFinished: number;
  readonly written: number;
  readonly ms: number;
}

export interface PreparedQuestion {
  readonly question: ChoiceQuestion;
  readonly promptText: string;
  readonly promptIds: number[];
  /** ppl: the four letters' token ids after the prompt. */
  readonly continuations: readonly (readonly number[])[];
  /** gen mode in chat format: the turns the prompt was rendered from (a served model's chat endpoint gets these). */
  readonly messages?: readonly ChatMessage[];
  readonly skipReason?: string;
  /** `--compat opencompass*`: shots left after max_seq_len dropping, and the scoring rule. */
  readonly openCompass?: { readonly compat: CompatMode; readonly shots: number; readonly text: string; readonly scored: Readonly<Record<ChoiceLetter, string>> | null };
}

/** Renders one question's prompt and tokens; the text is what `--show-prompt` prints. */
export async function prepareQuestion(model: LanguageModel, set: QuestionSet, subject: SubjectEntry, shots: readonly ChoiceQuestion[],
  question: ChoiceQuestion, mode: EvaluationMode, chat: boolean, maxOutLen: number, openCompass?: OpenCompassSettings): Promise<PreparedQuestion> {
  if (openCompass) return prepareOpenCompass(model, set, subject, shots, question, openCompass);
  const tokenizer = model.tokenizer;
  const messages = promptMessages(set.promptStyle, subject.promptName, shots, question);
  const texts = renderPromptTexts(set.promptStyle, messages, chat, tokenizer);
  const text = mode === 'ppl' ? texts.scoringPrefixText : texts.generationText;
  const promptIds = await encodePrompt(text, tokenizer);
  const continuations = mode === 'ppl' ? await Promise.all(CHOICE_LETTERS.map((letter) => continuationIds(text, promptIds, letter, tokenizer))) : [];
  const promptText = await tokenizer.decode(promptIds, false);
  const needed = mode === 'ppl' ? promptIds.length + Math.max(...continuations.map((c) => c.length)) : promptIds.length + 1;
  const context = model.info.contextLength;
  const skipReason = question.problem !== undefined ? `not scorable: ${question.problem}` : needed > context
    ? `prompt is ${promptIds.length} tokens (${mode === 'ppl' ? 'with the longest letter' : 'with one new token'}: ${needed}), longer than the model's context of ${context} tokens`
    : undefined;
  return { question, promptText, promptIds, continuations, ...(chat && mode === 'gen' ? { messages } : {}), ...(skipReason ? { skipReason } : {}) };
}

function baseRecord(set: QuestionSet, prepared: PreparedQuestion, mode: EvaluationMode) {
  const { question } = prepared;
  return {
    ...(prepared.openCompass ? { compat: prepared.openCompass.compat, shots: prepared.openCompass.shots } : {}),
    schema: CEVAL_RECORD_SCHEMA,
    dataset: set.name,
    split: set.split,
    subject: question.subject,
    id: question.id,
    row: question.row,
    mode,
    prompt_hash: promptHash(prepared.promptText),
    prompt: prepared.promptText,
    prompt_tokens: prepared.promptIds.length,
    target: question.answer ?? null,
  } as const;
}

function argmaxLetter(scores: Readonly<Record<ChoiceLetter, number>>): ChoiceLetter {
  let best: ChoiceLetter = 'A';
  for (const letter of CHOICE_LETTERS) if (scores[letter] > scores[best]) best = letter;
  return best;
}

async function runBatch(model: LanguageModel, set: QuestionSet, batch: readonly PreparedQuestion[], options: CevalRunOptions): Promise<CevalRecord[]> {
  const runnable = batch.filter((p) => p.skipReason === undefined);
  const started = performance.now();
  const records = new Map<PreparedQuestion, CevalRecord>();
  if (runnable.length > 0 && options.mode === 'ppl') {
    const wholeSequence = options.openCompass !== undefined;
    const results = await settledBatch(() => model.scoreBatch(runnable.map((p) => ({ prefixIds: p.promptIds, continuations: p.continuations, ...(wholeSequence ? { prefixLogprobs: true } : {}) }))), runnable.length);
    const ms = (performance.now() - started) / runnable.length;
    runnable.forEach((prepared, index) => {
      const outcome = results[index] ?? [];
      if (isRequestFailure(outcome)) {
        records.set(prepared, { ...baseRecord(set, prepared, 'ppl'), extracted: null, correct: null, n_tokens: 0, ms, status: 'error', error: failureRecord(outcome) });
        return;
      }
      const scored = outcome;
      const letterScore = (i: number): number => {
        const result = scored[i];
        if (!result) return Number.NaN;
        if (!wholeSequence) return result.sumLogprob;
        // OpenCompass ranks by mean loss over the whole sequence: the shared prefix counts too.
        if (!result.prefixTokenLogprobs) throw new Error(`${model.info.name}: the model returned no prefix log-probs although the request asked for them (ScoreRequest.prefixLogprobs)`);
        return meanSequenceLogprob(result.prefixTokenLogprobs, result.tokenLogprobs);
      };
      const choices = Object.fromEntries(CHOICE_LETTERS.map((letter, i) => [letter, letterScore(i)])) as Record<ChoiceLetter, number>;
      // A NaN or infinite log-prob (damaged or overflowing weights) would make argmax pick A: never score it.
      const nonFinite = CHOICE_LETTERS.filter((letter) => !Number.isFinite(choices[letter]));
      if (nonFinite.length > 0) {
        records.set(prepared, modelErrorRecord(set, prepared, 'ppl', `non-finite log-probability for ${nonFinite.join(', ')} (${nonFinite.map((l) => String(choices[l])).join(', ')})`));
        return;
      }
      const extracted = argmaxLetter(choices);
      const target = prepared.question.answer;
      records.set(prepared, {
        ...baseRecord(set, prepared, 'ppl'), choices, extracted,
        correct: target === undefined ? null : extracted === target,
        n_tokens: prepared.promptIds.length + prepared.continuations.reduce((sum, c) => sum + c.length, 0),
        ms, status: 'ok',
      });
    });
  } else if (runnable.length > 0) {
    const context = model.info.contextLength;
    let results: Settled<GenerationResult>[];
    try {
      results = await settledBatch(() => model.generateBatch(runnable.map((p) => ({
        promptIds: p.promptIds,
        options: { maxNewTokens: Math.min(options.maxOutLen, context - p.promptIds.length), stopTokenIds: model.tokenizer.stopTokenIds, ...(p.messages ? { messages: p.messages } : {}) },
      }))), runnable.length);
    } catch (error) {
      // Non-finite logits: the generated text would be noise read as an answer; every question of the batch is an error record.
      if (!(error instanceof NonFiniteScoreError)) throw error;
      for (const prepared of runnable) records.set(prepared, modelErrorRecord(set, prepared, 'gen', error.message));
      results = [];
    }
    const ms = (performance.now() - started) / runnable.length;
    runnable.forEach((prepared, index) => {
      if (records.has(prepared)) return;
      const result = results[index];
      if (result !== undefined && isRequestFailure(result)) {
        records.set(prepared, { ...baseRecord(set, prepared, 'gen'), extracted: null, correct: null, n_tokens: 0, ms, status: 'error', error: failureRecord(result) });
        return;
      }
      const output = result?.text ?? '';
      const extractor = options.extractor ?? 'gnomon';
      const optionContext = extractor === 'option-sim' && options.openCompass ? { choices: prepared.question.choices, version: options.openCompass.compat } : undefined;
      const { prediction, extracted } = readAnswer(output, extractor, optionContext);
      const target = prepared.question.answer;
      records.set(prepared, {
        ...baseRecord(set, prepared, 'gen'), output, finish_reason: result?.finishReason ?? 'max_tokens', extracted, extractor, prediction,
        ...(optionContext ? { option_texts: prepared.question.choices } : {}),
        correct: target === undefined ? null : prediction === target,
        n_tokens: prepared.promptIds.length + (result?.tokenIds.length ?? 0),
        ms, status: 'ok',
      });
    });
  }
  return batch.map((prepared) => records.get(prepared) ?? {
    ...baseRecord(set, prepared, options.mode), extracted: null, correct: null, n_tokens: 0, ms: 0,
    status: 'skipped', skip_reason: prepared.skipReason ?? 'not run',
  });
}

/**
 * A question the model could not score: counted with the skipped ones (never scored), its reason
 * starting "model error" so reports and records tell it apart from a too-long prompt.
 */
function modelErrorRecord(set: QuestionSet, prepared: PreparedQuestion, mode: EvaluationMode, reason: string): CevalRecord {
  return { ...baseRecord(set, prepared, mode), extracted: null, correct: null, n_tokens: 0, ms: 0, status: 'skipped', skip_reason: `model error: ${reason}` };
}

/** The questions of each chosen subject, after `--limit`. */
export function plannedQuestions(set: QuestionSet, limit: number | undefined): { subject: SubjectEntry; shots: readonly ChoiceQuestion[]; questions: readonly ChoiceQuestion[] }[] {
  return set.subjects.map((subject) => {
    const loaded = set.loadSubject(subject.subject);
    return { subject, shots: loaded.shots, questions: limit === undefined ? loaded.questions : loaded.questions.slice(0, limit) };
  });
}

export async function runQuestionSet(model: LanguageModel, set: QuestionSet, options: CevalRunOptions): Promise<CevalRunSummary> {
  const started = performance.now();
  // Load every subject before running any: a missing or malformed file fails now, not an hour in.
  const planned = plannedQuestions(set, options.limit);
  // A shard keeps its share of all questions, balanced by text length (the shared shots are cached).
  const kept = options.shard && new Set(options.shard.select(planned.flatMap((p) => p.questions), recordKey,
    (q) => q.question.length + CHOICE_LETTERS.reduce((sum, letter) => sum + q.choices[letter].length, 0)));
  const plan = kept ? planned.map((p) => ({ ...p, questions: p.questions.filter((q) => kept.has(q)) })) : planned;
  const total = plan.reduce((sum, p) => sum + p.questions.length, 0);
  const writer = new RecordWriter<CevalRecord>(options.recordsFile);
  let alreadyFinished = 0;
  let written = 0;
  for (const { subject, shots, questions } of plan) {
    const pending = questions.filter((q) => {
      const done = options.finished.has(recordKey(q));
      if (done) alreadyFinished += 1;
      return !done;
    });
    // The first question of a subject runs alone: an engine that keeps the last prefix's keys and
    // values (the five shots are the same for every question of a subject) then serves the whole
    // shared part of the next batch from that cache, instead of computing it once per request.
    for (let start = 0; start < pending.length;) {
      const size = start === 0 ? 1 : options.batchSize;
      const slice = pending.slice(start, start + size);
      start += size;
      const prepared = await Promise.all(slice.map((q) => prepareQuestion(model, set, subject, shots, q, options.mode, options.chat, options.maxOutLen, options.openCompass)));
      for (const record of await runBatch(model, set, prepared, options)) {
        writer.append(record);
        written += 1;
        options.onRecord?.(record, alreadyFinished + written, total);
      }
    }
  }
  return { total, alreadyFinished, written, ms: performance.now() - started };
}
