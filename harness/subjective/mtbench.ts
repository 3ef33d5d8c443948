/**
 * MT-Bench as FastChat's llm_judge runs it: 80 two-turn questions in 8 categories
 * (`mt_bench/question.jsonl`), GPT-4 reference answers for math, reasoning and coding
 * (`reference_answer/gpt-4.jsonl`) and the 8 official judge prompts (`judge_prompts.jsonl`, read
 * from the data folder, not copied into gnomon). Turn 1 is judged on the first answer; turn 2 on
 * the whole conversation with the "-multi-turn" prompts, exactly as `gen_judgment.py` pairs
 * questions, prompts and references (`NEED_REF_CATS`).
 */
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { formatPythonTemplate } from './python-format.js';
import { isRecord, isStringArray, readJsonLines } from './jsonl-file.js';
import type { SubjectiveQuestion, SubjectiveQuestionSet } from './question-set.js';

/** FastChat's categories that are judged against a reference answer. */
export const NEED_REF_CATS: readonly string[] = ['math', 'reasoning', 'coding', 'arena-hard-200'];

/** OpenCompass's MT-Bench summary columns (MTBenchSummarizer COLUMNS, `total` first). */
export const MTBENCH_CATEGORIES: readonly string[] = ['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities'];

export interface JudgePromptTemplate {
  readonly name: string;
  readonly type: 'single' | 'pairwise';
  readonly systemPrompt: string;
  readonly promptTemplate: string;
  readonly outputFormat: string;
}

/** A judge prompt ready to send: the template's name, its system message and the user message. */
export interface RenderedJudgePrompt {
  readonly template: string;
  readonly system: string;
  readonly user: string;
}

export interface MtBenchData {
  readonly set: SubjectiveQuestionSet;
  readonly templates: ReadonlyMap<string, JudgePromptTemplate>;
}

const HINT = 'point --data-dir at a folder holding subjective/mt_bench/ in FastChat\'s layout (question.jsonl, reference_answer/gpt-4.jsonl, judge_prompts.jsonl)';

export function mtbenchDirectory(dataDir: string): string {
  return join(dataDir, 'subjective', 'mt_bench');
}

function readTemplates(file: string): Map<string, JudgePromptTemplate> {
  const templates = new Map<string, JudgePromptTemplate>();
  for (const { line, value } of readJsonLines(file, HINT)) {
    if (!isRecord(value) || typeof value.name !== 'string' || typeof value.system_prompt !== 'string' || typeof value.prompt_template !== 'string'
      || (value.type !== 'single' && value.type !== 'pairwise') || typeof value.output_format !== 'string') {
      throw new UserError(`${file}:${line}: expected name, type (single|pairwise), system_prompt, prompt_template, output_format`, HINT);
    }
    templates.set(value.name, { name: value.name, type: value.type, systemPrompt: value.system_prompt, promptTemplate: value.prompt_template, outputFormat: value.output_format });
  }
  return templates;
}

function readReferences(file: string): Map<string, string[]> {
  const references = new Map<string, string[]>();
  for (const { line, value } of readJsonLines(file, HINT)) {
    const turns = isRecord(value) && Array.isArray(value.choices) && isRecord(value.choices[0]) ? value.choices[0].turns : undefined;
    if (!isRecord(value) || typeof value.question_id !== 'number' || !isStringArray(turns)) {
      throw new UserError(`${file}:${line}: expected {question_id, choices: [{turns: [...]}]}`, HINT);
    }
    references.set(String(value.question_id), turns);
  }
  return references;
}

export function loadMtBench(dataDir: string): MtBenchData {
  const dir = mtbenchDirectory(dataDir);
  const questionFile = join(dir, 'question.jsonl');
  const references = readReferences(join(dir, 'reference_answer', 'gpt-4.jsonl'));
  const questions: SubjectiveQuestion[] = readJsonLines(questionFile, HINT).map(({ line, value }) => {
    if (!isRecord(value) || typeof value.question_id !== 'number' || typeof value.category !== 'string' || !isStringArray(value.turns) || value.turns.length === 0) {
      throw new UserError(`${questionFile}:${line}: expected {question_id, category, turns: [...]}`, HINT);
    }
    const id = String(value.question_id);
    const reference = references.get(id);
    if (NEED_REF_CATS.includes(value.category) && !reference) {
      throw new UserError(`${join(dir, 'reference_answer', 'gpt-4.jsonl')}: no reference answer for question ${id} (${value.category})`, 'FastChat judges math, reasoning and coding against a reference; restore the file');
    }
    return { id, category: value.category, turns: value.turns, ...(NEED_REF_CATS.includes(value.category) && reference ? { references: reference } : {}) };
  });
  return { set: { name: 'mtbench', source: dir, questions }, templates: readTemplates(join(dir, 'judge_prompts.jsonl')) };
}

function template(templates: ReadonlyMap<string, JudgePromptTemplate>, name: string): JudgePromptTemplate {
  const found = templates.get(name);
  if (!found) throw new UserError(`judge_prompts.jsonl: no prompt named "${name}"`, 'restore FastChat\'s judge_prompts.jsonl (8 prompts: single-v1, pair-v2, … -multi-turn)');
  return found;
}

/** FastChat's choice of prompt: math-v1 for reference categories, v1/v2 otherwise, -multi-turn for turn 2. */
export function mtbenchTemplateName(question: SubjectiveQuestion, turn: number, mode: 'score' | 'pairwise'): string {
  const needsReference = NEED_REF_CATS.includes(question.category);
  const base = mode === 'score' ? (needsReference ? 'single-math-v1' : 'single-v1') : (needsReference ? 'pair-math-v1' : 'pair-v2');
  return turn === 2 ? `${base}-multi-turn` : base;
}

function referenceFields(question: SubjectiveQuestion, turn: number): Record<string, string> {
  if (!NEED_REF_CATS.includes(question.category) || !question.references) return {};
  return { ref_answer_1: question.references[0] ?? '', ...(turn === 2 ? { ref_answer_2: question.references[1] ?? '' } : {}) };
}

function checkTurn(question: SubjectiveQuestion, turn: number, answers: readonly (readonly string[])[]): void {
  if (turn !== 1 && turn !== 2) throw new UserError(`MT-Bench question ${question.id}: turn ${turn}`, 'MT-Bench judges turns 1 and 2');
  if (question.turns.length < turn) throw new UserError(`MT-Bench question ${question.id} has ${question.turns.length} turn(s), not ${turn}`, 'check question.jsonl');
  for (const answer of answers) {
    if (answer.length < turn) throw new UserError(`MT-Bench question ${question.id}: an answer has ${answer.length} turn(s), turn ${turn} needs ${turn}`, 'give answers to both turns (FastChat model_answer format)');
  }
}

/** FastChat `run_judge_single`'s user prompt (and the template's system prompt) for one answer. */
export function mtbenchScorePrompt(templates: ReadonlyMap<string, JudgePromptTemplate>, question: SubjectiveQuestion, answer: readonly string[], turn: number): RenderedJudgePrompt {
  checkTurn(question, turn, [answer]);
  const chosen = template(templates, mtbenchTemplateName(question, turn, 'score'));
  const values: Record<string, string> = turn === 2
    ? { question_1: question.turns[0] ?? '', question_2: question.turns[1] ?? '', answer_1: answer[0] ?? '', answer_2: answer[1] ?? '' }
    : { question: question.turns[0] ?? '', answer: answer[0] ?? '' };
  return { template: chosen.name, system: chosen.systemPrompt, user: formatPythonTemplate(chosen.promptTemplate, { ...values, ...referenceFields(question, turn) }, `judge prompt ${chosen.name}`) };
}

/** FastChat `run_judge_pair`'s prompt with `answerA` shown as assistant A and `answerB` as B. */
export function mtbenchPairPrompt(templates: ReadonlyMap<string, JudgePromptTemplate>, question: SubjectiveQuestion, answerA: readonly string[], answerB: readonly string[], turn: number): RenderedJudgePrompt {
  checkTurn(question, turn, [answerA, answerB]);
  const chosen = template(templates, mtbenchTemplateName(question, turn, 'pairwise'));
  const values: Record<string, string> = turn === 2
    ? {
      question_1: question.turns[0] ?? '', question_2: question.turns[1] ?? '',
      answer_a_1: answerA[0] ?? '', answer_b_1: answerB[0] ?? '', answer_a_2: answerA[1] ?? '', answer_b_2: answerB[1] ?? '',
    }
    : { question: question.turns[0] ?? '', answer_a: answerA[0] ?? '', answer_b: answerB[0] ?? '' };
  return { template: chosen.name, system: chosen.systemPrompt, user: formatPythonTemplate(chosen.promptTemplate, { ...values, ...referenceFields(question, turn) }, `judge prompt ${chosen.name}`) };
}
