/**
 * A whole `harness needle` run: validated settings → run directory with run.json → sweep (resumable)
 * → report files. The command (harness/commands/needle.ts) and the bench (bench/needle-sweep.ts)
 * both go through here.
 */
import { ProgressDisplay, stepSync } from '../cli/progress.js';
import { Interrupted, interruptedRun } from '../cli/interrupt.js';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { writeNeedleReport, type WrittenNeedleReport } from '../../reports/needle/write-needle-report.js';
import { summaryText } from '../../reports/needle/needle-tables.js';
import type { Palette } from '../../reports/needle/score-colour.js';
import type { FigureLabels } from '../../reports/needle/heatmap-layout.js';
import { createRunDirectory, readJsonl, readRunInfo, uniqueByKey, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { formatTokenCount, type NeedleGrid } from './grid.js';
import { HaystackTokens } from './haystack-tokens.js';
import type { NeedleBenchSweep } from './needlebench/needlebench-cell.js';
import { NAMES_FILE, NEEDLES_FILE, type NeedleBenchSize, type NeedleBenchVersion } from './needlebench/needlebench-config.js';
import { needleBenchFolder, readHaystackLines, readNames, readNeedles, readReasoningRecords } from './needlebench/needlebench-data.js';
import { LineTokens } from './needlebench/needlebench-origin.js';
import { checkLengths } from './length-check.js';
import type { PlanOptions } from './plan-cell.js';
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
  /** `--compat needlebench`: NeedleBench's data, prompts, lengths (cl100k) and scorer. */
  readonly compat?: NeedleBenchSettings;
  /** Heatmap colour scale (default viridis, colour-blind safe). */
  readonly palette?: Palette;
}

export interface NeedleBenchSettings {
  readonly kind: 'needlebench';
  readonly version: NeedleBenchVersion;
  readonly size: NeedleBenchSize;
  /** Folder in OpenCompassData's layout (holds needlebench/), resolved. */
  readonly dataDir: string;
  /** Haystack file name inside needlebench/ (PaulGrahamEssays.jsonl, zh_finance.jsonl, …). */
  readonly haystackFile: string;
  readonly language: 'en' | 'zh';
  readonly lengthBuffer: number;
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
  const fractional = settings.grid.depths.find((depth) => !Number.isInteger(depth));
  if (settings.compat && fractional !== undefined) {
    throw new UserError(`--depths: ${fractional} is not a whole percent; NeedleBench's configs pass int(depth_percent)`, 'use whole-number depths with --compat needlebench (e.g. --depths 0,10,21,31), or its config\'s depths (leave --depths out)');
  }
  if (settings.compat && task.kind !== 'single' && task.kind !== 'multi-reasoning') {
    throw new UserError(`--compat needlebench --task ${task.kind}: NeedleBench's single-needle retrieval and multi-needle reasoning are reproduced, not its ${task.kind}`, 'use --task single or --task multi-reasoning with --compat needlebench, or drop --compat');
  }
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
    // Refuse too-short lengths before a run folder exists (the sweep checks again on resume).
    const planned = settings.compat ? undefined : loadHaystack(settings.haystack, settings.language);
    if (settings.compat) loadNeedleBenchSweep({ ...settings, compat: settings.compat });
    if (planned) await checkLengths(settings.grid.lengths.filter((length) => length < 2 * model.info.contextLength), settings.grid.depths, new HaystackTokens(planned, model.tokenizer), model.tokenizer, planOptions(settings), settings.grid.repeats, model.info.contextLength);
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
  const compat = settings.compat ? loadNeedleBenchSweep({ ...settings, compat: settings.compat }) : undefined;
  const haystack: Haystack = settings.compat
    ? { name: settings.compat.haystackFile, file: join(settings.compat.dataDir, 'needlebench', settings.compat.haystackFile), language: settings.compat.language, sentences: [] }
    : loadHaystack(settings.haystack, settings.language);
  let started = new Date().toISOString();
  // The report names the command that started the run, not the resume.
  let argv = options.argv;
  if (!options.resumeDir) {
    const info: NeedleRunInfo = {
      command: 'needle', schema: NEEDLE_SCHEMA, settings, model: model.info, haystackFile: haystack.file,
      started, argv: options.argv, node: process.version,
    };
    writeRunInfo(dir, info);
  } else {
    const stored = readRunInfo(dir) as Partial<NeedleRunInfo>;
    started = stored.started ?? started;
    argv = stored.argv ?? argv;
  }
  options.log?.(`run directory ${dir}`);
  let progress: ProgressDisplay | undefined;
  const sweep = await runNeedleSweep(model, {
    grid: settings.grid, haystack, recordsFile: join(dir, RECORDS_FILE),
    plan: planOptions(settings),
    ...(compat ? { compat } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
    onRecord: (record, done, total) => {
      progress ??= new ProgressDisplay('cells', total, 'cells', done - 1);
      // Cells not run (failed, or longer than the context) are listed as they happen; the rest is the progress display.
      if (record.status !== 'ok') options.log?.(progressLine(record, done, total));
      progress.tick({ done, failed: record.status === 'error', detail: `${formatTokenCount(record.length_target)} depth ${record.depth_target}%${settings.grid.repeats > 1 ? ` repeat ${record.repeat + 1}/${settings.grid.repeats}` : ''}` });
    },
  }).finally(() => progress?.finish()).catch((error: unknown) => {
    // Ctrl-C: the cells finished so far get their (partial) report before the command stops.
    if (!(error instanceof Interrupted)) throw error;
    const records = uniqueByKey(readJsonl<NeedleRecord>(join(dir, RECORDS_FILE)), (record) => record.key);
    writeNeedleReport(dir, records, reportContext(settings, haystack, model.info, argv, started), settings.threshold);
    throw interruptedRun(dir, records.length, settings.grid.lengths.length * settings.grid.depths.length * settings.grid.repeats, 'cells');
  });
  const reportStarted = performance.now();
  const report = stepSync('writing the report', () => writeNeedleReport(dir, sweep.records, reportContext(settings, haystack, model.info, argv, started), settings.threshold));
  return { dir, sweep, report, reportMs: performance.now() - reportStarted, text: summaryText(report.summary) };
}

/** Reads NeedleBench's needles and haystack file for a compat sweep (every line checked up front). */
export function loadNeedleBenchSweep(settings: NeedleSettings & { readonly compat: NeedleBenchSettings }): NeedleBenchSweep {
  const { compat } = settings;
  const folder = needleBenchFolder(compat.dataDir);
  return {
    version: compat.version,
    task: settings.task.kind === 'multi-reasoning' ? 'multi-reasoning' : 'single',
    chainNeedles: settings.task.needles,
    ...(settings.task.kind === 'multi-reasoning' && compat.version === 'v2' ? { names: readNames(join(folder, NAMES_FILE)) } : {}),
    ...(settings.task.kind === 'multi-reasoning' && compat.version === 'v1' ? { reasoningRecords: readReasoningRecords(join(folder, `multi_needle_reasoning_${compat.language}.json`)) } : {}),
    language: compat.language,
    lengthBuffer: compat.lengthBuffer,
    haystackFile: compat.haystackFile,
    haystack: readHaystackLines(join(folder, compat.haystackFile)),
    needles: readNeedles(join(folder, NEEDLES_FILE)),
    lineTokens: new LineTokens(),
  };
}

export function planOptions(settings: NeedleSettings): PlanOptions {
  return { task: settings.task, answerReserve: settings.answerTokens, globalSeed: settings.seed, ...(settings.language ? { language: settings.language } : {}) };
}

/** Rewrites a run's report files from its records (no model). */
export function rewriteNeedleReport(dir: string, palette?: Palette): { report: WrittenNeedleReport; text: string } {
  const info = readRunInfo(dir) as Partial<NeedleRunInfo>;
  if (info.command !== 'needle' || !info.settings || !info.model) throw new UserError(`${dir}/run.json: not a needle run`, 'pass a folder made by harness needle');
  const records = uniqueByKey(readJsonl<NeedleRecord>(join(dir, RECORDS_FILE)), (record) => record.key);
  const haystack = storedHaystack(info as NeedleRunInfo);
  const settings = palette ? { ...info.settings, palette } : info.settings;
  const report = writeNeedleReport(dir, records, reportContext(settings, haystack, info.model, info.argv ?? '', info.started ?? ''), info.settings.threshold);
  return { report, text: summaryText(report.summary) };
}

/** The haystack a finished run names (for labels; its sentences are not read). */
function storedHaystack(info: NeedleRunInfo): Haystack {
  const { compat } = info.settings;
  return compat
    ? { name: compat.haystackFile, file: info.haystackFile ?? '', language: compat.language, sentences: [] }
    : { name: info.settings.haystack, file: info.haystackFile ?? '', language: info.settings.language ?? 'en', sentences: [] };
}

/** The figure labels of a finished run (comparisons and suites draw its heatmap beside others). */
export function needleFigureLabels(info: NeedleRunInfo): FigureLabels {
  return figureLabels(info.settings, storedHaystack(info), info.model.name, info.started ?? '');
}

function taskDescription(task: NeedleSettings['task']): string {
  return task.kind === 'single' ? 'single needle'
    : task.kind === 'multi-key' ? `multi-key, ${task.distractors} distractors`
      : `${task.kind}, ${task.needles} needles ${task.spacing}% apart`;
}

function figureLabels(settings: NeedleSettings, haystack: Haystack, modelName: string, started: string): FigureLabels {
  return {
    model: modelName,
    task: taskDescription(settings.task),
    haystack: `${haystack.name} (${haystack.language})`,
    compat: settings.compat ? `NeedleBench ${settings.compat.version} (${settings.compat.size} config, cl100k lengths)` : 'gnomon needles',
    date: started.slice(0, 10) || 'undated',
    ...(settings.compat ? { lengthUnit: 'cl100k tokens, as NeedleBench counts' } : {}),
  };
}

function reportContext(settings: NeedleSettings, haystack: Haystack, model: LanguageModel['info'], argv: string, started: string): Parameters<typeof writeNeedleReport>[2] {
  const taskText = taskDescription(settings.task);
  return {
    title: `Needle in a haystack: ${model.name}`,
    subtitle: [`model ${model.name} · ${model.device} · context ${formatTokenCount(model.contextLength)}`, `harness ${argv}`],
    figure: figureLabels(settings, haystack, model.name, started),
    ...(settings.palette ? { palette: settings.palette } : {}),
    facts: [
      ...(settings.compat ? [['compat', `OpenCompass NeedleBench ${settings.compat.version}, ${settings.compat.size} config: ${settings.compat.dataDir}/needlebench/${settings.compat.haystackFile}, length buffer ${settings.compat.lengthBuffer}; lengths in cl100k tokens; score = NeedleBench score / 100`] as [string, string]] : []),
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
