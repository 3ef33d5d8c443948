/**
 * `harness compare RUN_OR_SUITE…` — is B better than A, where, and is the difference real? One table
 * with a column per run, per-subject (C-Eval) or per-length (needle) differences with a paired test on
 * the items both runs scored, heatmaps and their difference for needle runs, and what differs in
 * run.json. Prints the text; writes compare.txt/.md and report.html. Reads run folders only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { createRunDirectory } from '../records.js';
import { comparisonGroups } from '../../reports/compare/comparison-inputs.js';
import { compareRuns } from '../../reports/compare/run-comparison.js';
import { comparisonMarkdown, comparisonText } from '../../reports/compare/comparison-text.js';
import { renderComparisonReport } from '../../reports/compare/comparison-html.js';

interface CompareArguments {
  runs: string[];
  out: string;
  resamples: number;
  seed: string;
}

const command: CommandModule<object, CompareArguments> = {
  command: 'compare <runs..>',
  describe: 'compare runs (or suites): a column per run, per-subject/per-length differences with exact McNemar p-values and paired bootstrap intervals, what differs',
  builder: (yargs: Argv) => yargs
    .positional('runs', { type: 'string', array: true, describe: 'run folders (harness ceval / needle) or suite folders (harness run); the first is the baseline A' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for the comparison folder (compare.txt, compare.md, report.html)' })
    .option('resamples', { type: 'number', default: 2000, describe: 'paired bootstrap resamples for the intervals of differences' })
    .option('seed', { type: 'string', default: 'gnomon', describe: 'bootstrap seed (the same seed gives the same intervals)' }) as unknown as Argv<CompareArguments>,
  handler: (args) => {
    if (!Number.isInteger(args.resamples) || args.resamples < 100) throw new UserError(`--resamples ${args.resamples}: expected a whole number ≥ 100`, 'the default 2000 gives stable 95% intervals');
    const groups = comparisonGroups(args.runs.map(String));
    const comparisons = groups.filter((g) => g.runs.length >= 2).map((g) => ({ name: g.name, comparison: compareRuns(g.runs, { resamples: args.resamples, seed: args.seed }) }));
    const skipped = groups.filter((g) => g.runs.length < 2).map((g) => `${g.name}: only one run, not compared`);
    const text = [...comparisons.map(({ name, comparison }) => `== ${name} ==\n${comparisonText(comparison)}`), ...skipped].join('\n');
    const dir = createRunDirectory(args.out, 'compare');
    const files: [string, string][] = [
      ['compare.txt', text],
      ['compare.md', comparisons.map(({ name, comparison }) => `## ${name}\n\n${comparisonMarkdown(comparison)}`).join('\n')],
      ['report.html', renderComparisonReport(comparisons, [`harness compare ${args.runs.join(' ')}`, new Date().toISOString()])],
    ];
    for (const [name, content] of files) writeFileSync(join(dir, name), content);
    process.stdout.write(`${text}\n${files.map(([name]) => `wrote ${join(dir, name)}`).join('\n')}\n`);
  },
};

export default command as unknown as CommandModule<object, never>;
