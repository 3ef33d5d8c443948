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
  const log = request.log ?? ((): void => undefined);
  let info: CevalRunInfo;
  let runDir: string;
  let settings = request.settings;
  if (request.resumeDir) {
    runDir = request.resumeDir;
    info = parseCevalRunInfo(readRunInfo(runDir), runDir);
    const saved = (readRunInfo(runDir) as { settings?: CevalSettings }).settings;
    if (!saved) throw new UserError(`${runDir}/run.json: no "settings" to resume with`, 'start a new run; this folder was not written by harness ceval');
    settings = saved;
    if (info.model.checkpointHash !== model.info.checkpointHash) {
      throw new UserError(
        `${runDir}: the run used model ${info.model.name} (checkpoint ${info.model.checkpointHash}), not ${model.info.name} (${model.info.checkpointHash})`,
        'resume with the same --model the run started with, or start a new run',
      );
    }
  } else {
    const set = openQuestionSet(settings);
    const chat = useChatFormat(settings.chat, model.tokenizer);
    runDir = createRunDirectory(request.outDir, `${set.name}-${settings.mode}`);
    info = {
      schema: CEVAL_RUN_SCHEMA, command: request.command, started: new Date().toISOString(),
      dataset: set.name, split: set.split, labelled: set.labelled, source: set.source,
      mode: settings.mode, chat, shots: set.shots, promptStyle: set.promptStyle.id, maxOutLen: settings.maxOutLen,
      limit: settings.limit ?? null, batchSize: settings.batchSize,
      version: promptVersion({ style: set.promptStyle.id, shots: set.shots, chat, mode: settings.mode, ...(settings.mode === 'gen' ? { maxOutLen: settings.maxOutLen } : {}) }),
      model: { name: model.info.name, checkpointHash: model.info.checkpointHash, device: model.info.device, contextLength: model.info.contextLength },
      subjects: set.subjects, groups: set.groups,
    };
    writeRunInfo(runDir, { ...info, settings });
  }
  const set = openQuestionSet(settings);
  const recordsFile = join(runDir, RECORDS_FILE);
  const finished = finishedKeysRetryingErrors<CevalRecord>(recordsFile, recordKey);
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
