/**
 * suite.json: what a suite folder holds and how far it got. The plan (models, tasks, their flags) is
 * saved when the suite starts; running the same config again resumes it, a different plan in the same
 * folder is refused. Each (model, task) runs in `OUT/<model>/<task>/`, where its command creates the
 * run folder, so a killed suite finds that folder again without having to record it first.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { RUN_FILE } from '../records.js';

export const SUITE_FILE = 'suite.json';
export const SUITE_SCHEMA = 'gnomon.suite.v1';

export interface SuitePlan {
  readonly models: readonly { readonly name: string; readonly flags: Readonly<Record<string, unknown>> }[];
  readonly tasks: readonly { readonly label: string; readonly kind: string; readonly flags: Readonly<Record<string, unknown>> }[];
}

export interface SuitePairState {
  readonly model: string;
  readonly task: string;
  /** Run folder relative to the suite folder, once one exists. */
  readonly run: string | null;
  readonly status: 'done' | 'pending';
}

export interface SuiteState {
  readonly schema: typeof SUITE_SCHEMA;
  readonly config: string;
  readonly command: string;
  readonly started: string;
  readonly updated: string;
  readonly finished: string | null;
  readonly plan: SuitePlan;
  readonly pairs: readonly SuitePairState[];
}

export function readSuiteState(dir: string): SuiteState | null {
  const file = join(dir, SUITE_FILE);
  if (!existsSync(file)) return null;
  let parsed: Partial<SuiteState>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SuiteState>;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'restore the file, or run the suite into a new out folder');
  }
  if (parsed.schema !== SUITE_SCHEMA || !parsed.plan || !Array.isArray(parsed.pairs)) throw new UserError(`${file}: not a gnomon suite file`, 'pass the folder harness run wrote');
  return parsed as SuiteState;
}

/** Written to a temporary name and renamed, so a kill never leaves half a file. */
export function writeSuiteState(dir: string, state: SuiteState): void {
  const file = join(dir, SUITE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function pairFolder(suiteDir: string, model: string, task: string): string {
  return join(suiteDir, model, task);
}

/**
 * The run folder a pair's command created (the newest with a run.json). A folder without run.json
 * is what a kill between creating the folder and writing it leaves: it holds no work and is ignored.
 */
export function findPairRun(pairDir: string): string | null {
  if (!existsSync(pairDir)) return null;
  const runs = readdirSync(pairDir)
    .map((name) => join(pairDir, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, RUN_FILE)))
    .sort();
  return runs.at(-1) ?? null;
}
