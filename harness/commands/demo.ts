/**
 * `harness demo` — the whole pipeline on any machine in about a minute: the built-in tiny InternLM2
 * checkpoint (written on first use), a short needle sweep and a multiple-choice evaluation through
 * the same code paths as `harness needle` and `harness ceval`, then where the reports are.
 * The demo model has random weights: its scores are near chance by design; the point is to see
 * every stage — planning, the GPU engine, records, tables, heatmaps, HTML — work here.
 */
import { interruptible } from '../cli/interrupt.js';
import { openWithSteps } from '../cli/progress.js';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { packagePath } from '../../engine/index.js';
import { runCevalEvaluation, type CevalSettings } from '../ceval/evaluation.js';
import { createRunDirectory } from '../records.js';
import { parseDepths, parseLengths } from '../needle/grid.js';
import { runNeedle } from '../needle/needle-run.js';
import { openModel } from '../model-options.js';

interface DemoArguments {
  out: string;
  dataDir?: string;
  lengths: string;
  subject: string;
}

const command: CommandModule<object, DemoArguments> = {
  command: 'demo',
  describe: 'run the whole pipeline on the built-in tiny model: a short needle sweep and a multiple-choice evaluation, with reports',
  builder: (yargs: Argv) => yargs
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for the demo\'s run directory' })
    .option('data-dir', { type: 'string', describe: 'a data folder in OpenCompass layout: evaluate a real C-Eval subject (10 questions) instead of the demo questions' })
    .option('subject', { type: 'string', default: 'computer_network', describe: 'with --data-dir: the C-Eval subject' })
    .option('lengths', { type: 'string', default: '512,768,1k', describe: 'needle sweep lengths in tokens' }) as unknown as Argv<DemoArguments>,
  handler: async (args) => {
    const started = performance.now();
    const log = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    const runDir = createRunDirectory(args.out, 'demo');
    log(`demo: writing into ${runDir}`);
    const model = interruptible(await openWithSteps(() => openModel({})));
    try {
      log(`model: ${model.info.name} (built-in demo checkpoint, random weights) on ${model.info.device}`);
      log('\n== needle in a haystack: 3 lengths × 3 depths, English haystack');
      const needle = await runNeedle(model, {
        settings: {
          grid: { lengths: parseLengths(args.lengths), depths: parseDepths('0,50,100'), repeats: 1 },
          seed: 'demo', haystack: 'en', task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens: 16, threshold: 0.85,
        },
        outDir: runDir, argv: 'demo', log,
      });
      process.stdout.write(`\n${needle.text}\n`);

      const settings: CevalSettings = args.dataDir
        ? { preset: 'ceval', dataDir: resolve(args.dataDir), subjects: [args.subject], split: 'val', limit: 10, chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 4 }
        : { preset: 'ceval', custom: packagePath('corpora', 'demo', 'questions.csv'), name: 'demo-questions', dataDir: '.', split: 'val', chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 4 };
      log(`\n== multiple choice by perplexity (ppl): ${args.dataDir ? `C-Eval ${args.subject}, first 10 val questions` : 'the 12 built-in demo questions (pass --data-dir for C-Eval)'}`);
      const ceval = await runCevalEvaluation(model, { settings, outDir: runDir, command: 'demo', log });
      process.stdout.write(`\n${ceval.text}\n`);

      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write([
        '',
        `demo finished in ${seconds} s. Reports (open in a browser, no network needed):`,
        `  needle heatmap and table:  ${join(needle.dir, 'report.html')}`,
        `  multiple-choice accuracy:  ${join(ceval.runDir, 'report.html')}`,
        'The demo model has random weights, so its scores are near chance. Run on a real checkpoint with',
        '  harness needle --model DIR --lengths 1k..32k     harness ceval --model DIR --data-dir DATA --mode ppl',
        '',
      ].join('\n'));
    } finally {
      await model.dispose();
    }
  },
};

export default command as unknown as CommandModule<object, never>;
