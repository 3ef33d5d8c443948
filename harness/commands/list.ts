/**
 * `harness list [datasets|subjects|presets|tasks|haystacks|runs] [PATTERN…]` — what exists, with
 * counts, as OpenCompass's tools/list_configs.py answers "which configs match internlm ceval".
 * Patterns match any column (case-insensitive; * and ? as wildcards).
 */
import { relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { displayWidth } from '../../reports/ceval/tables.js';
import { listRuns, rebuildRunsIndex } from '../../reports/suite/runs-index.js';
import { datasetListing, filterListing, haystackListing, presetListing, subjectListing, taskListing, type Listing } from '../suite/catalogue.js';

const WHAT = ['datasets', 'subjects', 'presets', 'tasks', 'haystacks', 'runs'] as const;
type What = (typeof WHAT)[number];

interface ListArguments {
  what: What;
  patterns?: string[];
  dataDir: string;
  out: string;
  html: boolean;
}

function runListing(out: string): Listing {
  const listing = listRuns(out);
  const rows = [
    ...listing.suites.map((s) => [relative(out, s.dir) || '.', s.models.join(', '), `suite: ${s.tasks.join(', ')}`, s.started.slice(0, 19), `${s.status} (${s.done}/${s.total})`, '-']),
    ...listing.runs.map((r) => [relative(out, r.dir) || '.', r.model, r.task, (r.started ?? '-').slice(0, 19), `${r.status}${r.planned !== null ? ` (${r.done}/${r.planned})` : ''}`, r.headline.text]),
  ];
  return { title: `runs in ${out}`, header: ['run', 'model', 'task', 'started', 'status', 'headline'], rows, notes: rows.length === 0 ? [`no runs in ${out}; pass --out DIR`] : [] };
}

export function formatListing(listing: Listing): string {
  const table = [listing.header, ...listing.rows];
  const widths = listing.header.map((_, column) => Math.max(...table.map((row) => displayWidth(row[column] ?? ''))));
  const line = (row: readonly string[]): string => row.map((cell, column) => cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(cell)))).join('  ').trimEnd();
  return [`${listing.title}: ${listing.rows.length}`, line(listing.header), widths.map((w) => '-'.repeat(w)).join('  '), ...listing.rows.map(line), ...listing.notes].join('\n') + '\n';
}

const command: CommandModule<object, ListArguments> = {
  command: 'list [what] [patterns..]',
  describe: 'what exists: datasets, subjects (with Chinese names, categories, questions per split), presets, tasks, haystacks, runs',
  builder: (yargs: Argv) => yargs
    .positional('what', { type: 'string', choices: WHAT, default: 'datasets' as const, describe: 'what to list' })
    .positional('patterns', { type: 'string', array: true, describe: 'keep rows with a column matching any PATTERN (case-insensitive, * and ? wildcards)' })
    .option('data-dir', { type: 'string', default: './data', describe: 'data folder in OpenCompass layout (ceval/, cmmlu/, needlebench/, custom .csv/.jsonl files)' })
    .option('out', { type: 'string', default: 'runs', describe: 'runs: the folder holding run and suite folders' })
    .option('html', { type: 'boolean', default: false, describe: 'runs: also rewrite OUT/index.html (the runs index)' }) as unknown as Argv<ListArguments>,
  handler: (args) => {
    const patterns = (args.patterns ?? []).map(String);
    const listings: Record<What, () => Listing> = {
      datasets: () => datasetListing(args.dataDir),
      subjects: () => subjectListing(args.dataDir),
      presets: presetListing,
      tasks: taskListing,
      haystacks: () => haystackListing(args.dataDir),
      runs: () => runListing(args.out),
    };
    process.stdout.write(formatListing(filterListing(listings[args.what](), patterns)));
    if (args.what === 'runs' && args.html) process.stdout.write(`wrote ${rebuildRunsIndex(args.out)}\n`);
  },
};

export default command as unknown as CommandModule<object, never>;
