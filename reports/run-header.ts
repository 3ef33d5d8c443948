/**
 * The one header every task's report.html starts with: model, checkpoint hash, adapter, date, run
 * folder, the command that started the run (not a resume: run.json's `invocation`), compat. Read
 * from run.json, whose shape differs by task (ceval and needle `model`, contamination `model_info`,
 * subjective `judge`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { escapeHtml } from './html-page.js';

export interface RunHeader {
  readonly model: string;
  readonly checkpointHash: string;
  readonly adapter: string;
  readonly date: string;
  readonly runFolder: string;
  readonly command: string;
  readonly compat: string;
}

interface ModelFacts { readonly name?: string; readonly checkpointHash?: string; readonly device?: string }

interface StoredRun {
  readonly model?: ModelFacts;
  readonly model_info?: ModelFacts;
  readonly judge?: ModelFacts;
  readonly started?: string;
  readonly command?: string;
  readonly argv?: string | readonly string[];
  readonly compat?: string;
  readonly settings?: { readonly compat?: string | { readonly kind?: string; readonly version?: string } };
  readonly invocation?: { readonly argv: readonly string[] };
}

function compatOf(run: StoredRun): string {
  if (typeof run.compat === 'string') return run.compat;
  const compat = run.settings?.compat;
  if (typeof compat === 'string') return compat;
  if (compat?.kind) return `${compat.kind}${compat.version ? ` ${compat.version}` : ''}`;
  return 'gnomon';
}

function commandOf(run: StoredRun, task: string): string {
  if (run.invocation) return `harness ${run.invocation.argv.join(' ')}`;
  const argv = Array.isArray(run.argv) ? run.argv.join(' ') : typeof run.argv === 'string' ? run.argv : run.command;
  return argv ? `harness ${argv.startsWith(task) ? '' : `${task} `}${argv}` : '';
}

/** The header of RUN_DIR's report; absent fields are empty. */
export function readRunHeader(runDir: string, task: string): RunHeader {
  const file = join(runDir, 'run.json');
  const run = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as StoredRun : {};
  const model = run.model ?? run.model_info ?? run.judge ?? {};
  return {
    model: model.name ?? '', checkpointHash: model.checkpointHash ?? '', adapter: model.device ?? '',
    date: run.started ?? '', runFolder: resolve(runDir), command: commandOf(run, task), compat: compatOf(run),
  };
}

/** The header as a small table (the same rows, in the same order, for every task). */
export function runHeaderHtml(header: RunHeader): string {
  const rows: [string, string][] = [
    ['model', header.model], ['checkpoint', header.checkpointHash], ['adapter', header.adapter], ['started', header.date],
    ['run folder', header.runFolder], ['command', header.command], ['compat', header.compat],
  ];
  return `<table class="run-header">${rows.map(([name, value]) => `<tr><th>${name}</th><td>${escapeHtml(value || '–')}</td></tr>`).join('')}</table>`;
}
