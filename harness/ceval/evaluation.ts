/**
 * One `harness ceval` run from parsed settings and an open model: pick the question set, create or
 * resume the run directory, run the questions, write the reports. Kept apart from the yargs command
 * so tests (and a killed-and-resumed child process) drive it with scripted models.
 */
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { writeCevalReport, type WrittenReport } from '../../reports/ceval/write-report.js';
import { createRunDirectory, finishedKeysRetryingErrors, readRunInfo, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { Interrupted, interruptedRun } from '../cli/interrupt.js';
import { ProgressDisplay, stepSync } from '../cli/progress.js';
import { parseColumnMapping } from './custom-set.js';
import type { Extractor } from './answer-extraction.js';
import { CHOICE_LETTERS, type ChoiceLetter } from './dataset.js';
import { defaultExtractor, isOpenCompass, type CompatMode } from './opencompass/compat.js';
import { checkOpenCompassSettings, type OpenCompassSettings } from './opencompass/render.js';
import { openCompassTemplates } from './opencompass/templates.js';
import { openCompassVersion } from './opencompass/version-hash.js';
import { promptVersion, useChatFormat, type ChatChoice } from './prompt.js';
import { cevalQuestionSet, cmmluQuestionSet, customQuestionSet, type QuestionSet } from './question-set.js';
import { RECORDS_FILE, recordKey, type CevalRecord, type EvaluationMode } from './record.js';
import { CEVAL_RUN_SCHEMA, parseCevalRunInfo, type CevalRunInfo } from './run-info.js';
import { plannedQuestions, prepareQuestion, runQuestionSet } from './runner.js';

/** The settings that define what a run evaluates (saved in run.json; `--resume` reuses them). */
export interface CevalSettings {
  readonly preset: 'ceval' | 'cmmlu';
  readonly custom?: string | undefined;
  readonly columns?: string | undefined;
  readonly name?: string | undefined;
  readonly dataDir: string;
  readonly subjects?: readonly string[] | undefined;
  readonly split: 'val' | 'test' | 'dev';
  readonly limit?: number | undefined;
  readonly shots?: number | undefined;
  readonly chat: ChatChoice;
  readonly mode: EvaluationMode;
  readonly maxOutLen: number;
  readonly batchSize: number;
  /** Absent in runs saved before `--compat`: gnomon. */
  readonly compat?: CompatMode;
  /** `--compat opencompass*`: OpenCompass's max_seq_len (default: 2048 for 0.2.4's model configs, the model's context for current). */
  readonly maxSeqLen?: number | undefined;
  /** gen: extractor (default first-capital under `--compat opencompass*`, else gnomon). */
  readonly extract?: Extractor | undefined;
}

/** OpenCompass settings of a run, or undefined for gnomon's own mode. */
export function openCompassSettings(settings: CevalSettings, chat: boolean, model: LanguageModel): OpenCompassSettings | undefined {
  const compat = settings.compat ?? 'gnomon';
  if (!isOpenCompass(compat)) {
    if (settings.maxSeqLen !== undefined) throw new UserError('--max-seq-len: only meaningful with --compat opencompass-0.2.4 or --compat opencompass (OpenCompass\'s shot dropping)', 'add --compat, or drop --max-seq-len');
    if (settings.extract === 'option-sim') throw new UserError('--extract option-sim: OpenCompass\'s option-similarity rules need --compat opencompass-0.2.4 or --compat opencompass', 'add --compat, or use --extract gnomon|first-capital');
    return undefined;
  }
  if (compat === 'opencompass' && settings.preset === 'cmmlu' && settings.mode === 'gen') {
    throw new UserError(
      '--compat opencompass --preset cmmlu --mode gen: current OpenCompass\'s cmmlu_gen is cmmlu_0shot_cot_gen_305931 (0-shot chain of thought with its own prompt and answer parsing), which gnomon does not reproduce',
      'use --compat opencompass-0.2.4 (cmmlu_gen_c13365, 5-shot, first-capital), or --mode ppl (cmmlu_ppl_8b9c76, the same in both versions)',
    );
  }
  const result: OpenCompassSettings = {
    compat, mode: settings.mode, chat,
    maxSeqLen: settings.maxSeqLen ?? (compat === 'opencompass-0.2.4' ? 2048 : model.info.contextLength),
    maxOutLen: settings.maxOutLen,
  };
  checkOpenCompassSettings(result, model.tokenizer);
  return result;
}

/** Each subject's OpenCompass version hash (its dataset config's infer_cfg), for the version column. */
export function openCompassSubjectVersions(set: QuestionSet, mode: EvaluationMode): Record<string, string> {
  return Object.fromEntries(set.subjects.map((s) => [s.subject, openCompassVersion(openCompassTemplates(set.promptStyle, s.promptName), mode, set.shots)]));
}

export function openQuestionSet(settings: CevalSettings): QuestionSet {
  if (settings.limit !== undefined && (!Number.isInteger(settings.limit) || settings.limit < 1)) {
    throw new UserError(`--limit ${settings.limit}: expected a whole number of questions ≥ 1`, 'e.g. --limit 20 runs the first 20 questions of each subject');
  }
  if (settings.shots !== undefined && (!Number.isInteger(settings.shots) || settings.shots < 0)) {
    throw new UserError(`--shots ${settings.shots}: expected a whole number ≥ 0`, 'OpenCompass uses 5 (the first five dev rows)');
  }
  if (settings.custom && isOpenCompass(settings.compat ?? 'gnomon')) {
    // OpenCompass's --custom-dataset-path: zero-shot, its own template, columns named as in the file.
    if ((settings.shots ?? 0) !== 0 || settings.columns) {
      throw new UserError(
        `--compat ${settings.compat} --custom: OpenCompass runs custom files zero-shot and reads the columns question,A,B,C,D,answer by name`,
        'drop --shots and --columns (rename the file\'s columns instead), or drop --compat',
      );
    }
  }
  if (settings.custom) return customQuestionSet(settings.custom, parseColumnMapping(settings.columns), settings.name, settings.shots ?? 0);
  if (settings.preset === 'cmmlu') return cmmluQuestionSet(settings.dataDir, settings.subjects, settings.shots ?? 5);
  return cevalQuestionSet(settings.dataDir, settings.split, settings.subjects, settings.shots ?? 5);
}

/** What `--show-prompt SUBJECT[:ROW] --json` prints. */
export interface ShownPrompt {
  readonly subject: string;
  /** 0-based data row of the evaluated split. */
  readonly row: number;
  readonly version: string;
  /** Shots in this prompt (after OpenCompass-style dropping under `--compat`). */
  readonly shots: number;
  /** The exact text before the model's answer (gen) or before the scored continuation (ppl); bos as `<s>`. */
  readonly prompt: string;
  /** ppl: each letter's scored continuation text; gen: null. */
  readonly scored: Readonly<Record<ChoiceLetter, string>> | null;
  /** The prompt's length in the model's tokens, and the model's context. */
  readonly promptTokens: number;
  readonly contextLength: number;
}

/** Parses `SUBJECT[:ROW]` (ROW: 0-based data row, default 0). */
function parsePromptSpec(spec: string): { subject: string; row: number } {
  const match = /^(.*?)(?::(\d+))?$/.exec(spec.trim());
  const subject = match?.[1] ?? '';
  if (subject === '') throw new UserError(`--show-prompt ${spec}: expected SUBJECT or SUBJECT:ROW`, 'e.g. --show-prompt computer_network:3 (ROW is the 0-based data row)');
  return { subject, row: match?.[2] === undefined ? 0 : Number(match[2]) };
}

/** One question of `SUBJECT[:ROW]`, rendered exactly as the model would receive it. */
export async function showPrompt(model: LanguageModel, settings: CevalSettings, spec: string): Promise<ShownPrompt> {
  const { subject, row } = parsePromptSpec(spec);
  const set = openQuestionSet({ ...settings, subjects: settings.custom ? undefined : [subject], limit: undefined });
  const [first] = plannedQuestions(set, undefined);
  const question = first?.questions.find((q) => q.row === row);
  if (!first || !question) {
    throw new UserError(`--show-prompt ${spec}: ${subject} has no question at data row ${row}`, `its rows are ${first?.questions[0]?.row ?? 0}…${first?.questions.at(-1)?.row ?? 0}`);
  }
  const chat = useChatFormat(settings.chat, model.tokenizer);
  const openCompass = openCompassSettings(settings, chat, model);
  const prepared = await prepareQuestion(model, set, first.subject, first.shots, question, settings.mode, chat, settings.maxOutLen, openCompass);
  if (prepared.openCompass) {
    return {
      subject: first.subject.subject, row, version: openCompassSubjectVersions({ ...set, subjects: [first.subject] }, settings.mode)[first.subject.subject] ?? '-',
      shots: prepared.openCompass.shots, prompt: prepared.openCompass.text, scored: prepared.openCompass.scored,
      promptTokens: prepared.promptIds.length, contextLength: model.info.contextLength,
    };
  }
  const letters = settings.mode === 'ppl' ? await Promise.all(CHOICE_LETTERS.map(async (letter, i) => [letter, await model.tokenizer.decode(prepared.continuations[i] ?? [], false)] as const)) : undefined;
  return {
    subject: first.subject.subject, row, version: gnomonVersion(set, chat, settings), shots: first.shots.length, prompt: prepared.promptText,
    scored: letters ? Object.fromEntries(letters) as Record<ChoiceLetter, string> : null,
    promptTokens: prepared.promptIds.length, contextLength: model.info.contextLength,
  };
}

function gnomonVersion(set: QuestionSet, chat: boolean, settings: CevalSettings): string {
  return promptVersion({ style: set.promptStyle.id, shots: set.shots, chat, mode: settings.mode, ...(settings.mode === 'gen' ? { maxOutLen: settings.maxOutLen } : {}) });
}

export interface CevalRunResult extends WrittenReport {
  readonly runDir: string;
  readonly info: CevalRunInfo;
}

export interface CevalRunRequest {
  readonly settings: CevalSettings;
  /** Parent of new run directories. */
  readonly outDir: string;
  readonly resumeDir?: string | undefined;
  readonly command: string;
  readonly log?: (line: string) => void;
}

export async function runCevalEvaluation(model: LanguageModel, request: CevalRunRequest): Promise<CevalRunResult> {
  let runDir: string;
  let set: QuestionSet | undefined;
  if (request.resumeDir) {
    runDir = request.resumeDir;
    parseCevalRunInfo(readRunInfo(runDir), runDir);
  } else {
    set = openQuestionSet(request.settings);
    // Read every subject's files first: bad data (too few shots, a damaged example) leaves no run folder behind.
    plannedQuestions(set, request.settings.limit);
    // Settings OpenCompass itself could not run are refused before a run folder exists.
    openCompassSettings(request.settings, useChatFormat(request.settings.chat, model.tokenizer), model);
    runDir = createRunDirectory(request.outDir, `${set.name}-${request.settings.mode}`);
  }
  // One writer per run: a second --resume of the same folder stops here instead of duplicating records.
  const lock = lockRunDirectory(runDir, `harness ceval ${request.command}`);
  try {
    const { info, settings } = set ? startRun(model, request, runDir, set) : resumedRun(model, runDir);
    return await runLocked(model, request, runDir, info, settings);
  } finally {
    lock.release();
  }
}

function resumedRun(model: LanguageModel, runDir: string): { info: CevalRunInfo; settings: CevalSettings } {
  const info = parseCevalRunInfo(readRunInfo(runDir), runDir);
  const settings = (readRunInfo(runDir) as { settings?: CevalSettings }).settings;
  if (!settings) throw new UserError(`${runDir}/run.json: no "settings" to resume with`, 'start a new run; this folder was not written by harness ceval');
  if (info.model.checkpointHash !== model.info.checkpointHash) {
    throw new UserError(
      `${runDir}: the run used model ${info.model.name} (checkpoint ${info.model.checkpointHash}), not ${model.info.name} (${model.info.checkpointHash})`,
      'resume with the same --model the run started with, or start a new run',
    );
  }
  return { info, settings };
}

function startRun(model: LanguageModel, request: CevalRunRequest, runDir: string, set: QuestionSet): { info: CevalRunInfo; settings: CevalSettings } {
  const settings = request.settings;
  const info = newCevalRunInfo(model, request.command, settings, set);
  writeRunInfo(runDir, { ...info, settings });
  return { info, settings };
}

/** What run.json says about a new run besides its settings (the shards of a sharded run build the same: harness/scale/ceval-shard.ts). */
export function newCevalRunInfo(model: LanguageModel, command: string, settings: CevalSettings, set: QuestionSet): CevalRunInfo {
  const chat = useChatFormat(settings.chat, model.tokenizer);
  const openCompass = openCompassSettings(settings, chat, model);
  return {
    schema: CEVAL_RUN_SCHEMA, command, started: new Date().toISOString(),
    dataset: set.name, split: set.split, labelled: set.labelled, source: set.source,
    mode: settings.mode, chat, shots: set.shots, promptStyle: set.promptStyle.id, maxOutLen: settings.maxOutLen,
    limit: settings.limit ?? null, batchSize: settings.batchSize,
    version: openCompass ? '-' : gnomonVersion(set, chat, settings),
    compat: settings.compat ?? 'gnomon',
    ...(settings.mode === 'gen' ? { extractor: settings.extract ?? defaultExtractor(settings.compat ?? 'gnomon', settings.custom !== undefined) } : {}),
    ...(openCompass ? { maxSeqLen: openCompass.maxSeqLen, subjectVersions: openCompassSubjectVersions(set, settings.mode) } : {}),
    model: { name: model.info.name, checkpointHash: model.info.checkpointHash, device: model.info.device, contextLength: model.info.contextLength, ...(model.info.tokenizerHash ? { tokenizerHash: model.info.tokenizerHash } : {}) },
    subjects: set.subjects, groups: set.groups,
  };
}

async function runLocked(model: LanguageModel, request: CevalRunRequest, runDir: string, info: CevalRunInfo, settings: CevalSettings): Promise<CevalRunResult> {
  const log = request.log ?? ((): void => undefined);
  const set = openQuestionSet(settings);
  const recordsFile = join(runDir, RECORDS_FILE);
  const finished = finishedKeysRetryingErrors<CevalRecord>(recordsFile, recordKey);
  log(`run directory ${runDir}${finished.size > 0 ? ` (resuming: ${finished.size} questions already finished)` : ''}`);
  let progress: ProgressDisplay | undefined;
  let doneSoFar = finished.size;
  let totalQuestions = 0;
  const summary = await runQuestionSet(model, set, {
    mode: info.mode, chat: info.chat, limit: settings.limit, maxOutLen: info.maxOutLen, batchSize: info.batchSize, recordsFile, finished,
    openCompass: openCompassSettings(settings, info.chat, model), extractor: info.extractor ?? 'gnomon',
    onRecord: (record, done, total) => {
      doneSoFar = done;
      totalQuestions = total;
      progress ??= new ProgressDisplay('questions', total, 'questions', done - 1);
      if (record.status === 'skipped') log(`skipped ${record.subject} row ${record.row}: ${record.skip_reason ?? ''}`);
      progress.tick({ done, failed: record.status !== 'ok', detail: record.subject });
    },
  }).finally(() => progress?.finish()).catch((error: unknown) => {
    // Ctrl-C: the records written so far get their (partial) report before the command stops.
    if (!(error instanceof Interrupted)) throw error;
    writeCevalReport(runDir);
    throw interruptedRun(runDir, doneSoFar, totalQuestions || plannedQuestions(set, settings.limit).reduce((sum, subject) => sum + subject.questions.length, 0), 'questions');
  });
  log(`${summary.written} questions run in ${(summary.ms / 1000).toFixed(1)} s (${(summary.written / Math.max(1e-3, summary.ms / 1000)).toFixed(2)} questions/s), ${summary.alreadyFinished} from before`);
  return { ...stepSync('writing the report', () => writeCevalReport(runDir)), runDir, info };
}
