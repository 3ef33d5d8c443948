/**
 * `harness run CONFIG` — many models × many tasks from one YAML (or JSON) config, as OpenCompass runs
 * a config of models × datasets: each (model, task) becomes a run folder, each model loads once, the
 * suite resumes as a whole when run again, and one table has a column per model.
 */
import type { Argv, CommandModule } from 'yargs';
import { readSuiteConfig } from '../suite/suite-config.js';
import { runSuite } from '../suite/suite-run.js';
import { writeSuiteReport } from '../../reports/suite/write-suite-report.js';
import { rebuildRunsIndex } from '../../reports/suite/runs-index.js';
import { dirname } from 'node:path';
import { UserError } from '../../engine/language-model.js';

interface RunArguments {
  config?: string;
  report?: string;
}

const EXAMPLE = `example config (keys are the flags of each command, snake_case or as typed):
  out: runs/suite-1
  models:
    - {name: chat-1.8b, model: ./internlm2-chat-1_8b}
    - {name: base-1.8b, model: ./internlm2-1_8b, weights: f16}
  tasks:
    - {task: ceval, mode: gen, data_dir: ./data, subjects: [stem]}
    - {task: ceval, mode: ppl, data_dir: ./data}
    - {task: needle, lengths: 1k..32k, depth_steps: 11}`;

const command: CommandModule<object, RunArguments> = {
  command: 'run [config]',
  describe: 'a suite: models × tasks from one YAML/JSON config, resumable, with one OpenCompass table (a column per model)',
  builder: (yargs: Argv) => yargs
    .positional('config', { type: 'string', describe: 'suite config (.yaml, .yml or .json); running it again resumes the suite in its out folder' })
    .option('report', { type: 'string', describe: 'rewrite the table and report.html of suite folder OUT from its runs (no model)' })
    .epilogue(EXAMPLE) as unknown as Argv<RunArguments>,
  handler: async (args) => {
    if (args.report) {
      const written = writeSuiteReport(args.report);
      process.stdout.write(`${written.text}\n${written.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return;
    }
    if (!args.config) throw new UserError('harness run: no config file given', 'harness run suite.yaml (harness run --help shows an example)');
    const config = readSuiteConfig(args.config);
    const result = await runSuite(config, { command: process.argv.slice(2).join(' '), log: (line) => process.stderr.write(`${line}\n`) });
    const index = rebuildRunsIndex(dirname(result.dir));
    process.stdout.write(`\n${result.text}\n${[...result.files, index].map((f) => `wrote ${f}`).join('\n')}\n`);
  },
};

export default command as unknown as CommandModule<object, never>;
