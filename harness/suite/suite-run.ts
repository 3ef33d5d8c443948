/**
 * Runs a suite: every model × every task, each pair in its own run folder through its command's own
 * code path. All task settings and data are checked before the first model loads; each model is
 * loaded once for all its tasks; a suite stopped at any point resumes as a whole when the same config
 * runs again (finished pairs are skipped, a pair in progress continues its run folder). At the end the
 * OpenCompass table and the suite report are written.
 */
import { mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import yargs from 'yargs';
import { UserError, isUserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { modelOptions, openModel as openModelFromArguments, type ModelArguments } from '../model-options.js';
import { writeSuiteReport, type WrittenSuiteReport } from '../../reports/suite/write-suite-report.js';
import { flagsToArgv, modelOptionSpecs, type SuiteConfig, type SuiteModelEntry } from './suite-config.js';
import { findPairRun, pairFolder, readSuiteState, writeSuiteState, SUITE_SCHEMA, type SuitePairState, type SuitePlan, type SuiteState } from './suite-state.js';
import { parseTaskArguments, SUITE_TASKS, type PreparedTask } from './suite-tasks.js';

export interface SuiteRunOptions {
  readonly command: string;
  readonly log: (line: string) => void;
  /** How a model entry becomes a LanguageModel (default: the commands' openModel). */
  readonly openModel?: (args: ModelArguments) => Promise<LanguageModel>;
}

export interface SuiteRunResult extends WrittenSuiteReport {
  readonly dir: string;
  /** Pairs run by this call (not skipped as already done). */
  readonly ran: number;
}

interface PreparedSuiteTask extends PreparedTask {
  readonly label: string;
}

function withPlace(where: string, what: string, error: unknown): never {
  if (isUserError(error)) throw new UserError(`${where}: ${what}: ${error.message}`, error.hint);
  throw error;
}

function prepareTasks(config: SuiteConfig): PreparedSuiteTask[] {
  const prepared = config.tasks.map((task, index) => {
    const what = `tasks[${index}] (${task.kind})`;
    try {
      return SUITE_TASKS[task.kind].prepare(parseTaskArguments(task.kind, flagsToArgv(task.flags), `${task.where}: ${what}`));
    } catch (error) {
      return withPlace(task.where, what, error);
    }
  });
  const counts = new Map<string, number>();
  return prepared.map((task) => {
    const seen = (counts.get(task.baseLabel) ?? 0) + 1;
    counts.set(task.baseLabel, seen);
    const repeated = prepared.filter((t) => t.baseLabel === task.baseLabel).length > 1;
    return { ...task, label: repeated ? `${task.baseLabel}-${seen}` : task.baseLabel };
  });
}

/** The model flags as parsed by the same declarations every command registers. */
function modelArguments(model: SuiteModelEntry): ModelArguments {
  const argv = flagsToArgv(new Map([...model.flags].filter(([flag]) => modelOptionSpecs().has(flag))));
  return yargs(argv).options(modelOptions).strict().help(false).version(false).parseSync() as ModelArguments;
}

function planOf(config: SuiteConfig, tasks: readonly PreparedSuiteTask[]): SuitePlan {
  return {
    models: config.models.map((m) => ({ name: m.name, flags: Object.fromEntries(m.flags) })),
    tasks: config.tasks.map((t, i) => ({ label: tasks[i]?.label ?? '', kind: t.kind, flags: Object.fromEntries(t.flags) })),
  };
}

export async function runSuite(config: SuiteConfig, options: SuiteRunOptions): Promise<SuiteRunResult> {
  const tasks = prepareTasks(config);
  const dir = resolve(config.out);
  const plan = planOf(config, tasks);
  const saved = readSuiteState(dir);
  if (saved && JSON.stringify(saved.plan) !== JSON.stringify(plan)) {
    throw new UserError(
      `${config.file}: out ${config.out} holds a suite with other models or tasks (its suite.json was written from ${saved.config})`,
      'set a new out: for this config, or restore the config the folder was made with to resume it',
    );
  }
  mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  let pairs: SuitePairState[] = config.models.flatMap((model) => tasks.map((task) => {
    const old = saved?.pairs.find((p) => p.model === model.name && p.task === task.label);
    return old ?? { model: model.name, task: task.label, run: null, status: 'pending' as const };
  }));
  let state: SuiteState = {
    schema: SUITE_SCHEMA, config: resolve(config.file), command: options.command, started: saved?.started ?? now, updated: now, finished: null, plan, pairs,
  };
  writeSuiteState(dir, state);
  const update = (pair: SuitePairState): void => {
    pairs = pairs.map((p) => (p.model === pair.model && p.task === pair.task ? pair : p));
    state = { ...state, pairs, updated: new Date().toISOString() };
    writeSuiteState(dir, state);
  };
  if (saved) options.log(`resuming suite ${dir}: ${saved.pairs.filter((p) => p.status === 'done').length} of ${pairs.length} runs already done`);

  const open = options.openModel ?? openModelFromArguments;
  let ran = 0;
  for (const model of config.models) {
    const todo = tasks.filter((task) => pairs.find((p) => p.model === model.name && p.task === task.label)?.status !== 'done');
    if (todo.length === 0) continue;
    options.log(`model ${model.name}: loading once for ${todo.length} task(s)`);
    const loaded = await open(modelArguments(model));
    try {
      for (const task of todo) {
        const pairDir = pairFolder(dir, model.name, task.label);
        mkdirSync(pairDir, { recursive: true });
        const existing = findPairRun(pairDir);
        options.log(`[${model.name} × ${task.label}] ${existing ? `resuming ${relative(dir, existing)}` : 'starting'}`);
        const runDir = await task.run(loaded, {
          outDir: pairDir, resumeDir: existing ?? undefined, command: `${options.command} (${model.name} × ${task.label})`,
          log: (line) => options.log(`  ${line}`),
        });
        update({ model: model.name, task: task.label, run: relative(dir, runDir), status: 'done' });
        ran += 1;
      }
    } finally {
      await loaded.dispose();
    }
  }
  state = { ...state, finished: new Date().toISOString(), updated: new Date().toISOString() };
  writeSuiteState(dir, state);
  return { ...writeSuiteReport(dir), dir, ran };
}
