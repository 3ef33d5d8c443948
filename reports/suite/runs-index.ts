/**
 * The runs index: every run folder (run.json) and suite folder (suite.json) under a root such as
 * `runs/`, with model, task, date, status and headline score, and `ROOT/index.html` linking each
 * report. Rebuilt after every run and by `harness list runs --html`; reads files only.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SUITE_FILE, readSuiteState } from '../../harness/suite/suite-state.js';
import { escapeHtml, renderHtmlPage } from '../html-page.js';
import { isRunDirectory, readRunResult, type RunResult } from './run-results.js';

export interface IndexedSuite {
  readonly dir: string;
  readonly models: readonly string[];
  readonly tasks: readonly string[];
  readonly done: number;
  readonly total: number;
  readonly started: string;
  readonly status: 'finished' | 'unfinished';
}

export interface RunsListing {
  readonly root: string;
  readonly runs: readonly RunResult[];
  readonly suites: readonly IndexedSuite[];
}

// Suites nest runs three levels down (OUT/model/task/run); a little more leaves room for a suite in a subfolder.
const MAX_DEPTH = 5;

export function listRuns(root: string): RunsListing {
  const runs: RunResult[] = [];
  const suites: IndexedSuite[] = [];
  const visit = (dir: string, depth: number): void => {
    if (existsSync(join(dir, SUITE_FILE))) {
      try {
        const state = readSuiteState(dir);
        if (state) {
          const done = state.pairs.filter((p) => p.status === 'done').length;
          suites.push({
            dir, models: state.plan.models.map((m) => m.name), tasks: state.plan.tasks.map((t) => t.label), done, total: state.pairs.length,
            started: state.started, status: done === state.pairs.length ? 'finished' : 'unfinished',
          });
        }
      } catch {
        // A damaged suite.json is reported by harness run itself; the index lists what it can read.
      }
    }
    if (isRunDirectory(dir)) {
      runs.push(readRunResult(dir));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (!name.startsWith('.') && statSync(path).isDirectory()) visit(path, depth + 1);
    }
  };
  if (existsSync(root)) visit(root, 0);
  runs.sort((a, b) => (b.started ?? '').localeCompare(a.started ?? ''));
  suites.sort((a, b) => b.started.localeCompare(a.started));
  return { root, runs, suites };
}

function linkTo(root: string, dir: string): string {
  const target = join(dir, 'report.html');
  const href = relative(root, target) || 'report.html';
  return existsSync(target) ? `<a href="${escapeHtml(href)}">${escapeHtml(relative(root, dir) || '.')}</a>` : escapeHtml(relative(root, dir) || '.');
}

export function renderRunsIndex(listing: RunsListing): string {
  const suiteRows = listing.suites.map((s) => `<tr><td>${linkTo(listing.root, s.dir)}</td><td>${escapeHtml(s.models.join(', '))}</td><td>${escapeHtml(s.tasks.join(', '))}</td><td>${escapeHtml(s.started)}</td><td class="${s.status === 'finished' ? 'ok' : 'skip'}">${s.status} (${s.done}/${s.total})</td></tr>`).join('\n');
  const runRows = listing.runs.map((r) => `<tr class="run" data-status="${r.status}"><td>${linkTo(listing.root, r.dir)}</td><td>${escapeHtml(r.model)}</td><td>${escapeHtml(r.task)}</td><td>${escapeHtml(r.started ?? '-')}</td><td class="${r.status === 'finished' ? 'ok' : 'skip'}">${r.status}${r.planned !== null ? ` (${r.done}/${r.planned})` : ''}</td><td class="num">${escapeHtml(r.headline.text)}</td></tr>`).join('\n');
  return renderHtmlPage({
    title: `Runs in ${listing.root}`,
    subtitle: [`${listing.runs.length} run(s), ${listing.suites.length} suite(s) · rebuilt ${new Date().toISOString()}`],
    sections: [
      { id: 'suites', title: 'Suites', body: listing.suites.length === 0 ? '<p class="note">none</p>' : `<table id="suites-table"><tr><th>suite</th><th>models</th><th>tasks</th><th>started</th><th>status</th></tr>\n${suiteRows}</table>` },
      { id: 'runs', title: 'Runs', body: listing.runs.length === 0 ? '<p class="note">none</p>' : `<table id="runs-table"><tr><th>run</th><th>model</th><th>task</th><th>started</th><th>status</th><th>headline</th></tr>\n${runRows}</table>` },
    ],
  });
}

/** Writes ROOT/index.html and returns its path. */
export function rebuildRunsIndex(root: string): string {
  const file = join(root, 'index.html');
  writeFileSync(file, renderRunsIndex(listRuns(root)));
  return file;
}

/** Commands whose runs the index lists; compare, list and run (which rebuilds its own) are not among them. */
const RUN_COMMANDS = new Set(['ceval', 'needle', 'contamination', 'subjective', 'demo']);

/**
 * The CLI's hook after a command finished: rebuilds `--out`'s index.html when the command writes run
 * folders. Returns the file, or null when nothing was rebuilt. A problem here never fails the run.
 */
export function refreshRunsIndexAfter(argv: { readonly _: readonly (string | number)[]; readonly out?: unknown; readonly report?: unknown; readonly showPrompt?: unknown }): string | null {
  const command = String(argv._[0] ?? '');
  if (!RUN_COMMANDS.has(command) || argv.showPrompt || typeof argv.out !== 'string' || !existsSync(argv.out)) return null;
  try {
    return rebuildRunsIndex(argv.out);
  } catch (error) {
    process.stderr.write(`note: runs index not rebuilt (${(error as Error).message})\n`);
    return null;
  }
}
