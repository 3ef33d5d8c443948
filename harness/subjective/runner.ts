/**
 * One `harness subjective` run: pick the preset's questions, gather the answers (files, or a model
 * that answers them now), plan the judgements, skip those already on file (`--resume`), judge the
 * rest in batches and append one record per judgement as it finishes, then write the reports.
 * Kept apart from the yargs command so tests (and a killed-and-resumed child process) drive it.
 */
import { ProgressDisplay } from '../cli/progress.js';
import { Interrupted, interruptedRun } from '../cli/interrupt.js';
import { join } from 'node:path';
import { UserError, type LanguageModel } from '../../engine/language-model.js';
import { writeSubjectiveReport, type WrittenSubjectiveReport } from '../../reports/subjective/write-report.js';
import { promptHash } from './prompt-encoding.js';
import { createRunDirectory, finishedKeys, readRunInfo, RecordWriter, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { generateAnswers } from './answer-generation.js';
import { readAnswerFile, resolveAnswerSource, type ModelAnswers } from './answers.js';
import { askJudge, type JudgeOutcome } from './judging.js';
import { planJudgements, type PlannedJudgement } from './plan.js';
import { openPreset, type SubjectivePreset } from './presets.js';
import { selectQuestions } from './question-set.js';
import { RECORDS_FILE, SUBJECTIVE_RECORD_SCHEMA, type SubjectiveRecord } from './record.js';
import { parseSubjectiveRunInfo, SUBJECTIVE_RUN_SCHEMA, type ModelIdentity, type SubjectiveRunInfo, type SubjectiveSettings } from './run-info.js';
import type { RenderedJudgePrompt } from './mtbench.js';

export interface SubjectiveRunRequest {
  readonly settings: SubjectiveSettings;
  readonly judge: LanguageModel;
  /** Describes where the judge came from (run.json). */
  readonly judgeSource: string;
  /** A model that answers the questions in this run (`--model`). */
  readonly answerModel?: LanguageModel | undefined;
  readonly answerModelSource?: string | undefined;
  readonly outDir: string;
  readonly resumeDir?: string | undefined;
  readonly command: string;
  readonly log?: (line: string) => void;
}

export interface SubjectiveRunResult extends WrittenSubjectiveReport {
  readonly runDir: string;
  readonly info: SubjectiveRunInfo;
  /** Judgements made by this call (not counting those finished before a resume). */
  readonly judged: number;
}

function identity(model: LanguageModel, source: string): ModelIdentity {
  return { name: model.info.name, checkpointHash: model.info.checkpointHash, device: model.info.device, contextLength: model.info.contextLength, source };
}

export function openSelectedPreset(settings: SubjectiveSettings): SubjectivePreset {
  const preset = openPreset(settings.preset, settings.dataDir);
  if (!preset.modes.includes(settings.mode)) {
    throw new UserError(`--preset ${settings.preset} has no ${settings.mode} mode`, `use --mode ${preset.modes.join(' or ')}`);
  }
  for (const [flag, value] of [['--limit', settings.limit], ['--repeats', settings.repeats], ['--judge-max-out-len', settings.judgeMaxOutLen], ['--max-out-len', settings.maxOutLen], ['--batch-size', settings.batchSize], ['--bootstrap', settings.bootstrap]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new UserError(`${flag} ${value}: expected a whole number ≥ 1`, `e.g. ${flag} 4`);
  }
  const set = selectQuestions(preset.set, settings.questionIds, settings.categories, settings.limit);
  if (set.questions.length === 0) throw new UserError(`--preset ${settings.preset}: no question left after --questions/--categories/--limit`, `check the ids and category names in ${preset.set.source}`);
  return { ...preset, set };
}

/** The answer files of a run (`--answers`, then the baseline's), read and checked. */
export function fileSources(settings: SubjectiveSettings): ModelAnswers[] {
  const files = [...settings.answers];
  if (settings.baseline !== undefined) files.push(resolveAnswerSource(settings.baseline, settings.dataDir));
  return files.map((file) => readAnswerFile(file));
}

function checkSources(sources: readonly ModelAnswers[], settings: SubjectiveSettings, baseline: string | null): void {
  const names = new Set<string>();
  for (const source of sources) {
    if (names.has(source.model) && source.model !== baseline) throw new UserError(`two answer sources are both named ${source.model}`, 'rename one of the answer files (the model name is the file name without .jsonl)');
    names.add(source.model);
  }
  if (settings.mode === 'score' && sources.length === 0) throw new UserError('no answers to judge', 'pass --answers FILE … and/or --model DIR');
  if (settings.mode === 'pairwise' && new Set(sources.map((s) => s.model)).size < 2) {
    throw new UserError('pairwise mode needs two answer sources', 'pass --baseline NAME_OR_FILE with --answers/--model, or several --answers files (all pairs)');
  }
}

function turnsUpTo(answers: ModelAnswers | undefined, questionId: string, turn: number): readonly string[] | string {
  if (!answers) return 'unknown model';
  const missing = answers.missing.get(questionId);
  const turns = answers.turns.get(questionId);
  if (!turns) return `${answers.model} has no answer to question ${questionId}`;
  if (turns.length < turn) return `${answers.model} has no answer to turn ${turn} of question ${questionId}${missing ? ` (${missing})` : ''}`;
  return turns.slice(0, turn);
}

interface PreparedJudgement {
  readonly planned: PlannedJudgement;
  readonly answers: Record<string, readonly string[]>;
  readonly models: readonly string[];
  readonly prompt?: RenderedJudgePrompt;
  readonly skipReason?: string;
}

function prepare(preset: SubjectivePreset, planned: PlannedJudgement, sources: ReadonlyMap<string, ModelAnswers>): PreparedJudgement {
  const models = planned.mode === 'score' ? [planned.candidate] : planned.order === 'AB' ? [planned.candidate, planned.opponent ?? ''] : [planned.opponent ?? '', planned.candidate];
  const answers: Record<string, readonly string[]> = {};
  for (const model of models) {
    const turns = turnsUpTo(sources.get(model), planned.question.id, planned.turn);
    if (typeof turns === 'string') return { planned, answers, models, skipReason: turns };
    answers[model] = turns;
  }
  const [first, second] = models.map((m) => answers[m] ?? []);
  const prompt = planned.mode === 'score'
    ? preset.scorePrompt(planned.question, first ?? [], planned.turn)
    : preset.pairPrompt(planned.question, first ?? [], second ?? [], planned.turn);
  return { planned, answers, models, prompt };
}

function toRecord(preset: SubjectivePreset, judgeName: string, prepared: PreparedJudgement, outcome: JudgeOutcome | undefined, ms: number): SubjectiveRecord {
  const { planned, prompt } = prepared;
  const base = {
    schema: SUBJECTIVE_RECORD_SCHEMA, key: planned.key, preset: preset.name, mode: planned.mode,
    question_id: planned.question.id, category: planned.question.category, subcategory: planned.question.subcategory ?? null, turn: planned.turn,
    models: prepared.models, candidate: planned.candidate, opponent: planned.opponent, order: planned.order, repeat: planned.repeat,
    judge: judgeName, judge_template: prompt?.template ?? '', prompt_hash: prompt ? promptHash(`${prompt.system}\n\n${prompt.user}`) : '',
    system_prompt: prompt?.system ?? '', user_prompt: prompt?.user ?? '',
    question: planned.question.turns.slice(0, planned.turn), answers: prepared.answers, ms,
  } as const;
  if (!outcome || outcome.status === 'skipped') {
    return { ...base, ms: 0, reply: null, finish_reason: null, prompt_tokens: outcome?.promptTokens ?? null, verdict: null, status: 'skipped', reason: prepared.skipReason ?? outcome?.reason ?? 'not run' };
  }
  const reply = { ...base, reply: outcome.reply, finish_reason: outcome.finishReason, prompt_tokens: outcome.promptTokens } as const;
  const truncated = outcome.finishReason === 'max_tokens' ? ` (the reply hit --judge-max-out-len after ${outcome.replyTokens} tokens)` : '';
  if (planned.mode === 'score') {
    const parsed = preset.parseScore(outcome.reply);
    return parsed.ok ? { ...reply, verdict: parsed.value, status: 'ok', reason: null } : { ...reply, verdict: null, status: 'parse_failure', reason: parsed.reason + truncated };
  }
  const parsed = preset.parsePair(outcome.reply);
  if (!parsed.ok) return { ...reply, verdict: null, status: 'parse_failure', reason: parsed.reason + truncated };
  const winnerModel = parsed.value === 'tie' ? null : parsed.value === 'A' ? (prepared.models[0] ?? null) : (prepared.models[1] ?? null);
  return { ...reply, verdict: { winner: parsed.value, winner_model: winnerModel }, status: 'ok', reason: null };
}

function startOrResume(request: SubjectiveRunRequest, preset: SubjectivePreset): { runDir: string; info: SubjectiveRunInfo } {
  const { judge, settings } = request;
  if (request.resumeDir) {
    const info = parseSubjectiveRunInfo(readRunInfo(request.resumeDir), request.resumeDir);
    if (info.judge.checkpointHash !== judge.info.checkpointHash) {
      throw new UserError(`${request.resumeDir}: the run was judged by ${info.judge.name} (checkpoint ${info.judge.checkpointHash}), not ${judge.info.name} (${judge.info.checkpointHash})`, 'resume with the same --judge-model, or start a new run');
    }
    const answerModel = request.answerModel;
    if ((info.answerModel?.checkpointHash ?? null) !== (answerModel?.info.checkpointHash ?? null)) {
      throw new UserError(`${request.resumeDir}: the run's answers came from ${info.answerModel ? `--model ${info.answerModel.source}` : 'files only'}, and this resume ${answerModel ? `passes --model ${answerModel.info.name}` : 'passes no --model'}`, 'resume with the same --model the run started with (or none)');
    }
    return { runDir: request.resumeDir, info };
  }
  const runDir = createRunDirectory(request.outDir, `${settings.preset}-${settings.mode}`);
  const info: SubjectiveRunInfo = {
    schema: SUBJECTIVE_RUN_SCHEMA, command: request.command, started: new Date().toISOString(), preset: settings.preset, mode: settings.mode,
    questionSource: preset.set.source, questions: preset.set.questions.length,
    judge: identity(judge, request.judgeSource),
    answerModel: request.answerModel ? identity(request.answerModel, request.answerModelSource ?? request.answerModel.info.name) : null,
    sources: [], baseline: null, settings,
  };
  writeRunInfo(runDir, info);
  return { runDir, info };
}

export async function runSubjectiveEvaluation(request: SubjectiveRunRequest): Promise<SubjectiveRunResult> {
  const log = request.log ?? ((): void => undefined);
  // A resumed run uses the settings saved in its run.json, whatever the command line says.
  const settings = request.resumeDir ? parseSubjectiveRunInfo(readRunInfo(request.resumeDir), request.resumeDir).settings : request.settings;
  // Read questions and answer files before any model work: bad data fails in a second.
  const preset = openSelectedPreset(settings);
  const files = fileSources(settings);
  const { runDir, info: started } = startOrResume({ ...request, settings }, preset);
  // One writer per run: a second --resume of the same folder stops here instead of duplicating records.
  const lock = lockRunDirectory(runDir, `harness subjective ${request.command}`);
  try {
    return await runLocked(request, settings, preset, runDir, started, files, log);
  } finally {
    lock.release();
  }
}

async function runLocked(request: SubjectiveRunRequest, settings: SubjectiveSettings, preset: SubjectivePreset, runDir: string, started: SubjectiveRunInfo,
  files: readonly ModelAnswers[], log: (line: string) => void): Promise<SubjectiveRunResult> {
  const generated = request.answerModel ? [await generateAnswers(request.answerModel, preset.set.questions, runDir, { maxOutLen: settings.maxOutLen, log })] : [];
  const sources = [...generated, ...files];
  const baseline = settings.baseline === undefined ? null : (files[files.length - 1]?.model ?? null);
  checkSources(sources, settings, baseline);
  const info: SubjectiveRunInfo = { ...started, sources: sources.map((s) => ({ model: s.model, source: s.source })), baseline };
  writeRunInfo(runDir, info);

  const byModel = new Map(sources.map((s) => [s.model, s]));
  const plan = planJudgements(preset, { mode: settings.mode, models: [...byModel.keys()], baseline, orders: settings.orders, repeats: settings.repeats });
  const recordsFile = join(runDir, RECORDS_FILE);
  const finished = finishedKeys<SubjectiveRecord>(recordsFile, (r) => r.key);
  const pending = plan.filter((p) => !finished.has(p.key));
  log(`run directory ${runDir}: ${plan.length} judgements planned${finished.size > 0 ? `, ${plan.length - pending.length} already finished` : ''}`);
  const writer = new RecordWriter<SubjectiveRecord>(recordsFile);
  const progress = new ProgressDisplay('judgements', plan.length, 'judgements', plan.length - pending.length);
  let judged = 0;
  for (let start = 0; start < pending.length; start += settings.batchSize) {
    const batch = pending.slice(start, start + settings.batchSize).map((planned) => prepare(preset, planned, byModel));
    const runnable = batch.filter((p) => p.prompt !== undefined);
    const callStarted = performance.now();
    const outcomes = await askJudge(request.judge, runnable.map((p) => p.prompt as RenderedJudgePrompt), settings.judgeMaxOutLen).catch((error: unknown) => {
      // Ctrl-C: the judgements on file get their (partial) report before the command stops.
      if (!(error instanceof Interrupted)) throw error;
      progress.finish();
      writeSubjectiveReport(runDir);
      throw interruptedRun(runDir, plan.length - pending.length + judged, plan.length, 'judgements');
    });
    const ms = (performance.now() - callStarted) / Math.max(1, runnable.length);
    const byPrepared = new Map(runnable.map((p, index) => [p, outcomes[index]]));
    for (const prepared of batch) {
      const record = toRecord(preset, request.judge.info.name, prepared, byPrepared.get(prepared), prepared.prompt ? ms : 0);
      writer.append(record);
      judged += 1;
    }
    progress.tick({ done: plan.length - pending.length + judged, failed: batch.some((p) => p.prompt === undefined) });
  }
  progress.finish();
  return { ...writeSubjectiveReport(runDir), runDir, info, judged };
}
