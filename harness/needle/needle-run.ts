/**
 * A whole `harness needle` run: validated settings → run directory with run.json → sweep (resumable)
 * → report files. The command (harness/commands/needle.ts) and the bench (bench/needle-sweep.ts)
 * both go through here.
 */
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { writeNeedleReport, type WrittenNeedleReport } from '../../reports/needle/write-needle-report.js';
import { summaryText } from '../../reports/needle/needle-tables.js';
import { createRunDirectory, readJsonl, readRunInfo, uniqueByKey, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { formatTokenCount, type NeedleGrid } from './grid.js';
import { loadHaystack, type Haystack, type HaystackLanguage } from './haystack.js';
import type { NeedleJudge } from './judge.js';
import { NEEDLE_SCHEMA, type NeedleRecord } from './needle-record.js';
import { runNeedleSweep, type SweepResult } from './run-sweep.js';
import { MAX_FACTS, TASK_KINDS, type TaskOptions } from './tasks.js';

export const RECORDS_FILE = 'records.jsonl';

export interface NeedleSettings {
  readonly grid: NeedleGrid;
  readonly seed: string;
  /** `en`, `zh` or a file path (resolved to absolute). */
  readonly haystack: string;
  readonly language?: HaystackLanguage;
  readonly task: TaskOptions;
  readonly answerTokens: number;
  readonly threshold: number;
}

export interface NeedleRunInfo {
  readonly command: 'needle';
  readonly schema: typeof NEEDLE_SCHEMA;
  readonly settings: NeedleSettings;
  readonly model: LanguageModel['info'];
  readonly haystackFile: string;
  readonly started: string;
  readonly argv: string;
  readonly node: string;
}

/** Checks settings a user typed; every problem names the flag. */
export function validateSettings(settings: NeedleSettings): NeedleSettings {
  const { task } = settings;
  if (!TASK_KINDS.includes(task.kind)) throw new UserError(`--task ${task.kind}: unknown task`, `use one of ${TASK_KINDS.join(', ')}`);
  const wholeAtLeast = (value: number, min: number, flag: string, hint: string): void => {
    if (!Number.isInteger(value) || value < min) throw new UserError(`${flag} ${value}: expected a whole number ≥ ${min}`, hint);
  };
  wholeAtLeast(settings.grid.repeats, 1, '--repeats', 'e.g. --repeats 3 to average three needles per cell');
  wholeAtLeast(settings.answerTokens, 1, '--answer-tokens', 'the answer reserve must hold the code(s); 32 is plenty for one');
  if ((task.kind === 'multi-retrieval' || task.kind === 'multi-reasoning') && (task.needles < 2 || task.needles > MAX_FACTS || !Number.isInteger(task.needles))) {
    throw new UserError(`--needles ${task.needles}: ${task.kind} needs 2 to ${MAX_FACTS} needles`, 'e.g. --needles 3');
  }
  if (task.kind === 'multi-key' && (task.distractors < 1 || task.distractors >= MAX_FACTS || !Number.isInteger(task.distractors))) {
    throw new UserError(`--distractors ${task.distractors}: multi-key needs 1 to ${MAX_FACTS - 1} distractors`, 'e.g. --distractors 3');
  }
  if (!(task.spacing >= 0 && task.spacing <= 100)) throw new UserError(`--needle-spacing ${task.spacing}: expected a percent from 0 to 100`, 'NeedleBench spaces multi-needles 10% apart');
  if (!(settings.threshold > 0 && settings.threshold <= 1)) throw new UserError(`--threshold ${settings.threshold}: expected a score in (0, 1]`, 'the usual effective-length threshold is 0.85');
  return settings;
}

export interface NeedleRunOptions {
  readonly settings: NeedleSettings;
  /** Parent of new run directories. */
  readonly outDir: string;
  /** Continue this run directory instead (its run.json settings win). */
  readonly resumeDir?: string;
  readonly argv: string;
  readonly judge?: NeedleJudge;
  readonly log?: (line: string) => void;
}

export interface NeedleRunResult {
  readonly dir: string;
  readonly sweep: SweepResult;
  readonly report: WrittenNeedleReport;
  readonly reportMs: number;
  readonly text: string;
}

export async function runNeedle(model: LanguageModel, options: NeedleRunOptions): Promise<NeedleRunResult> {
  let dir: string;
  let settings: NeedleSettings;
  if (options.resumeDir) {
    const info = readRunInfo(options.resumeDir) as Partial<NeedleRunInfo>;
    if (info.command !== 'needle' || !info.settings) {
      throw new UserError(`${options.resumeDir}/run.json: not a needle run`, 'resume with the command that made the run (its run.json names it)');
    }
    if (info.model && info.model.checkpointHash !== model.info.checkpointHash) {
      throw new UserError(`${options.resumeDir}: was run with ${info.model.name} (${info.model.checkpointHash}), not ${model.info.name}`, 'pass the same --model as the original run, or start a new run');
    }
    dir = options.resumeDir;
    settings = info.settings;
  } else {
    settings = validateSettings(options.settings);
    dir = createRunDirectory(options.outDir, `needle-${settings.task.kind}`);
  }
  // One writer per run: a second --resume of the same folder stops here instead of duplicating cells.
  const lock = lockRunDirectory(dir, `harness needle ${options.argv}`);
  try {
    return await runLockedNeedle(model, options, dir, settings);
  } finally {
    lock.release();
  }
}

async function runLockedNeedle(model: LanguageModel, options: NeedleRunOptions, dir: string, settings: NeedleSettings): Promise<NeedleRunResult> {
  const haystack = loadHaystack(settings.haystack, settings.language);
  if (!options.resumeDir) {
    const info: NeedleRunInfo = {
      command: 'needle', schema: NEEDLE_SCHEMA, settings, model: model.info, haystackFile: haystack.file,
      started: new Date().toISOString(), argv: options.argv, node: process.version,
    };
    writeRunInfo(dir, info);
  }
  options.log?.(`run directory ${dir}`);
  const sweep = await runNeedleSweep(model, {
    grid: settings.grid, haystack, recordsFile: join(dir, RECORDS_FILE),
    plan: { task: settings.task, answerReserve: settings.answerTokens, globalSeed: settings.seed, ...(settings.language ? { language: settings.language } : {}) },
    ...(options.judge ? { judge: options.judge } : {}),
    onRecord: (record, done, total) => options.log?.(progressLine(record, done, total)),
  });
  const reportStarted = performance.now();
  const report = writeNeedleReport(dir, sweep.records, reportContext(settings, haystack, model.info, options.argv), settings.threshold);
  return { dir, sweep, report, reportMs: performance.now() - reportStarted, text: summaryText(report.summary) };
}

/** Rewrites a run's report files from its records (no model). */
export function rewriteNeedleReport(dir: string): { report: WrittenNeedleReport; text: string } {
  const info = readRunInfo(dir) as Partial<NeedleRunInfo>;
  if (info.command !== 'needle' || !info.settings || !info.model) throw new UserError(`${dir}/run.json: not a needle run`, 'pass a folder made by harness needle');
  const records = uniqueByKey(readJsonl<NeedleRecord>(join(dir, RECORDS_FILE)), (record) => record.key);
  const haystack = { name: info.settings.haystack, file: info.haystackFile ?? '', language: info.settings.language ?? 'en', sentences: [] } satisfies Haystack;
  const report = writeNeedleReport(dir, records, reportContext(info.settings, haystack, info.model, info.argv ?? ''), info.settings.threshold);
  return { report, text: summaryText(report.summary) };
}

function reportContext(settings: NeedleSettings, haystack: Haystack, model: LanguageModel['info'], argv: string): Parameters<typeof writeNeedleReport>[2] {
  const { task } = settings;
  const taskText = task.kind === 'single' ? 'single needle'
    : task.kind === 'multi-key' ? `multi-key, ${task.distractors} distractors`
      : `${task.kind}, ${task.needles} needles ${task.spacing}% apart`;
  return {
    title: `Needle in a haystack: ${model.name}`,
    subtitle: [`model ${model.name} · ${model.device} · context ${formatTokenCount(model.contextLength)}`, `harness ${argv}`],
    facts: [
      ['task', taskText],
      ['haystack', `${haystack.name} (${haystack.language})`],
      ['lengths', settings.grid.lengths.map(formatTokenCount).join(', ')],
      ['depths %', settings.grid.depths.join(', ')],
      ['repeats · seed', `${settings.grid.repeats} · ${settings.seed}`],
      ['answer reserve', `${settings.answerTokens} tokens (counted in every length)`],
    ],
  };
}

function progressLine(record: NeedleRecord, done: number, total: number): string {
  const where = `${formatTokenCount(record.length_target)} depth ${record.depth_target}%`;
  const seconds = ((record.timings.plan_ms + record.timings.generate_ms) / 1000).toFixed(1);
  if (record.status === 'ok') return `[${done}/${total}] ${where}: score ${record.score?.toFixed(2)} (prompt ${record.prompt_tokens} tokens, ${seconds}s)`;
  if (record.status === 'exceeds_context') return `[${done}/${total}] ${where}: exceeds the context, not run (${record.error})`;
  return `[${done}/${total}] ${where}: error ${record.error}`;
}
