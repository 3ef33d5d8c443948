/**
 * One `harness ceval` run from parsed settings and an open model: pick the question set, create or
 * resume the run directory, run the questions, write the reports. Kept apart from the yargs command
 * so tests (and a killed-and-resumed child process) drive it with scripted models.
 */
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { writeCevalReport, type WrittenReport } from '../../reports/ceval/write-report.js';
import { createRunDirectory, finishedKeys, readRunInfo, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { parseColumnMapping } from './custom-set.js';
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
}

export function openQuestionSet(settings: CevalSettings): QuestionSet {
  if (settings.limit !== undefined && (!Number.isInteger(settings.limit) || settings.limit < 1)) {
    throw new UserError(`--limit ${settings.limit}: expected a whole number of questions ≥ 1`, 'e.g. --limit 20 runs the first 20 questions of each subject');
  }
  if (settings.shots !== undefined && (!Number.isInteger(settings.shots) || settings.shots < 0)) {
    throw new UserError(`--shots ${settings.shots}: expected a whole number ≥ 0`, 'OpenCompass uses 5 (the first five dev rows)');
  }
  if (settings.custom) return customQuestionSet(settings.custom, parseColumnMapping(settings.columns), settings.name, settings.shots ?? 0);
  if (settings.preset === 'cmmlu') return cmmluQuestionSet(settings.dataDir, settings.subjects, settings.shots ?? 5);
  return cevalQuestionSet(settings.dataDir, settings.split, settings.subjects, settings.shots ?? 5);
}

/** The first question of `subject`, rendered exactly as the model would receive it. */
export async function showPrompt(model: LanguageModel, settings: CevalSettings, subject: string): Promise<string> {
  const set = openQuestionSet({ ...settings, subjects: settings.custom ? undefined : [subject], limit: 1 });
  const [first] = plannedQuestions(set, 1);
  const question = first?.questions[0];
  if (!first || !question) throw new UserError(`${subject}: no questions`, 'pick another subject');
  const chat = useChatFormat(settings.chat, model.tokenizer);
  const prepared = await prepareQuestion(model, set, first.subject, first.shots, question, settings.mode, chat, settings.maxOutLen);
  return prepared.promptText;
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
  const chat = useChatFormat(settings.chat, model.tokenizer);
  const info: CevalRunInfo = {
    schema: CEVAL_RUN_SCHEMA, command: request.command, started: new Date().toISOString(),
    dataset: set.name, split: set.split, labelled: set.labelled, source: set.source,
    mode: settings.mode, chat, shots: set.shots, promptStyle: set.promptStyle.id, maxOutLen: settings.maxOutLen,
    limit: settings.limit ?? null, batchSize: settings.batchSize,
    version: promptVersion({ style: set.promptStyle.id, shots: set.shots, chat, mode: settings.mode, ...(settings.mode === 'gen' ? { maxOutLen: settings.maxOutLen } : {}) }),
    model: { name: model.info.name, checkpointHash: model.info.checkpointHash, device: model.info.device, contextLength: model.info.contextLength },
    subjects: set.subjects, groups: set.groups,
  };
  writeRunInfo(runDir, { ...info, settings });
  return { info, settings };
}

async function runLocked(model: LanguageModel, request: CevalRunRequest, runDir: string, info: CevalRunInfo, settings: CevalSettings): Promise<CevalRunResult> {
  const log = request.log ?? ((): void => undefined);
  const set = openQuestionSet(settings);
  const recordsFile = join(runDir, RECORDS_FILE);
  const finished = finishedKeys<CevalRecord>(recordsFile, recordKey);
  log(`run directory ${runDir}${finished.size > 0 ? ` (resuming: ${finished.size} questions already finished)` : ''}`);
  let lastSubject = '';
  let lastLog = 0;
  const started = performance.now();
  const summary = await runQuestionSet(model, set, {
    mode: info.mode, chat: info.chat, limit: settings.limit, maxOutLen: info.maxOutLen, batchSize: info.batchSize, recordsFile, finished,
    onRecord: (record, done, total) => {
      const now = performance.now();
      if (record.subject !== lastSubject || now - lastLog > 5000 || done === total) {
        const rate = (done - finished.size) / Math.max(1e-3, (now - started) / 1000);
        log(`[${done}/${total}] ${record.subject} · ${rate.toFixed(2)} questions/s${record.status === 'skipped' ? ` · skipped row ${record.row}: ${record.skip_reason ?? ''}` : ''}`);
        lastSubject = record.subject;
        lastLog = now;
      }
    },
  });
  log(`${summary.written} questions run in ${(summary.ms / 1000).toFixed(1)} s (${(summary.written / Math.max(1e-3, summary.ms / 1000)).toFixed(2)} questions/s), ${summary.alreadyFinished} from before`);
  return { ...writeCevalReport(runDir), runDir, info };
}
