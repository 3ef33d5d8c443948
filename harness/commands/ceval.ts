/**
 * `harness ceval` — C-Eval (and CMMLU, and custom multiple-choice sets) the way OpenCompass runs
 * them: `--mode ppl` scores the four letters after one shared prompt, `--mode gen` generates greedily
 * and reads the letter from the text. Writes records, tables and an HTML report into a run folder.
 */
import { interruptible } from '../cli/interrupt.js';
import { openWithSteps } from '../cli/progress.js';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { openQuestionSet, runCevalEvaluation, showPrompt, type CevalSettings } from '../ceval/evaluation.js';
import { parseCompat } from '../ceval/opencompass/compat.js';
import { plannedQuestions } from '../ceval/runner.js';
import { writeCevalReport } from '../../reports/ceval/write-report.js';
import { modelOptions, openModel } from '../model-options.js';
import { runCevalShard } from '../scale/ceval-shard.js';
import { shardOptions, shardedRunFrom } from '../scale/sharded-run.js';
import { refuseConflicts, refuseEmptyValues, refuseWithout } from './flag-checks.js';

interface CevalArguments {
  model?: string;
  backend?: string;
  featureLevel?: string;
  weights?: string;
  mode: 'ppl' | 'gen';
  preset?: 'ceval' | 'cmmlu';
  dataDir: string;
  subjects?: string[];
  split: 'val' | 'test' | 'dev';
  limit?: number;
  shots?: number;
  chat: 'auto' | 'on' | 'off';
  maxOutLen: number;
  batchSize: number;
  custom?: string;
  columns?: string;
  name?: string;
  out: string;
  resume?: string;
  showPrompt?: string;
  json?: boolean;
  report?: string;
  shard?: string;
  runDir?: string;
  compat: string;
  maxSeqLen?: number;
  extract?: 'first-capital' | 'gnomon' | 'option-sim';
}

export function settingsFrom(args: ArgumentsCamelCase<CevalArguments>): CevalSettings {
  const subjects = args.subjects?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (!Number.isInteger(args.maxOutLen) || args.maxOutLen < 1) throw new UserError(`--max-out-len ${args.maxOutLen}: expected a whole number ≥ 1`, 'OpenCompass uses 16 for C-Eval gen');
  if (!Number.isInteger(args.batchSize) || args.batchSize < 1) throw new UserError(`--batch-size ${args.batchSize}: expected a whole number ≥ 1`, 'e.g. --batch-size 8');
  // Paths are stored absolute (run.json), so that --resume works from any folder.
  return {
    preset: args.preset ?? 'ceval', custom: args.custom === undefined ? undefined : resolve(args.custom), columns: args.columns, name: args.name, dataDir: resolve(args.dataDir),
    subjects: subjects && subjects.length > 0 ? subjects : undefined, split: args.split, limit: args.limit, shots: args.shots,
    chat: args.chat, mode: args.mode, maxOutLen: args.maxOutLen, batchSize: args.batchSize,
    compat: parseCompat(args.compat), maxSeqLen: args.maxSeqLen, extract: args.extract,
  };
}

/** Empty values and contradictory flags, refused with the reason before anything runs. */
export function checkCevalFlags(args: ArgumentsCamelCase<CevalArguments>): void {
  refuseEmptyValues(args, ['model', 'gpuMemory', 'dataDir', 'subjects', 'custom', 'columns', 'name', 'out', 'resume', 'showPrompt', 'report']);
  refuseConflicts(args, [
    { flags: ['custom', 'subjects'], reason: 'a --custom file is one subject of its own; --subjects picks C-Eval/CMMLU subjects' },
    { flags: ['custom', 'preset'], reason: '--custom replaces the preset question set' },
    { flags: ['resume', 'report'], reason: '--report rewrites a finished run\'s report without a model; --resume continues the run (and writes the report at the end)' },
    { flags: ['showPrompt', 'resume'], reason: '--show-prompt prints one prompt and exits; it runs nothing to resume' },
    { flags: ['showPrompt', 'report'], reason: '--show-prompt needs a model and --report runs none' },
  ]);
  refuseWithout(args, 'custom', ['name', 'columns'], 'they describe a custom question file');
}

const command: CommandModule<object, CevalArguments> = {
  command: 'ceval',
  describe: 'C-Eval / CMMLU / custom multiple-choice accuracy by letter scoring (ppl) or generation (gen), OpenCompass-style',
  builder: (yargs: Argv) => yargs
    .options(modelOptions)
    .options(shardOptions)
    .option('mode', { type: 'string', choices: ['ppl', 'gen'] as const, default: 'ppl' as const, describe: 'ppl: score A/B/C/D after one shared prompt; gen: greedy generation, letter read from the text' })
    .option('preset', { type: 'string', choices: ['ceval', 'cmmlu'] as const, describe: 'question set: C-Eval (DIR/ceval/formal_ceval) or CMMLU (DIR/cmmlu); default ceval' })
    .option('data-dir', { type: 'string', default: './data', describe: 'data folder in OpenCompass layout (holds ceval/ and cmmlu/)' })
    .option('subjects', { type: 'string', array: true, describe: 'subjects to run (space or comma separated); default all' })
    .option('split', { type: 'string', choices: ['val', 'test', 'dev'] as const, default: 'val' as const, describe: 'C-Eval split; test has no answers and writes submission.json' })
    .option('limit', { type: 'number', describe: 'at most N questions per subject (the first N)' })
    .option('shots', { type: 'number', describe: 'few-shot examples (first dev rows); default 5 for presets, 0 for --custom' })
    .option('chat', { type: 'string', choices: ['auto', 'on', 'off'] as const, default: 'auto' as const, describe: 'render turns with the chat template (auto: when the checkpoint has one) or as plain text' })
    .option('max-out-len', { type: 'number', default: 16, describe: 'gen mode: most new tokens per answer' })
    .option('batch-size', { type: 'number', default: 8, describe: 'questions per engine call (results do not depend on it)' })
    .option('custom', { type: 'string', describe: 'your own questions: a .csv (header row) or .jsonl file with question,A,B,C,D,answer' })
    .option('columns', { type: 'string', describe: 'with --custom: map fields to your column names, e.g. question=题目,answer=答案' })
    .option('name', { type: 'string', describe: 'with --custom: name of the set in tables and prompts (default: file name)' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for run directories' })
    .option('resume', { type: 'string', describe: 'continue the run in RUN_DIR, skipping finished questions (same --model)' })
    .option('compat', { type: 'string', choices: ['gnomon', 'opencompass-0.2.4', 'opencompass'], default: 'gnomon', describe: 'prompts, ppl scoring, shot dropping, extractor and version hashes of OpenCompass 0.2.4 or current OpenCompass (default: gnomon\'s own)' })
    .option('max-seq-len', { type: 'number', describe: 'with --compat: OpenCompass\'s max_seq_len; shots are dropped from the end until the prompt fits (default 2048 for 0.2.4, the model\'s context for current)' })
    .option('extract', { type: 'string', choices: ['first-capital', 'gnomon', 'option-sim'] as const, describe: 'gen: how letters are read (default with --compat: first-capital, or option-sim for --custom; else gnomon); with --report: rescore a gen run' })
    .option('show-prompt', { type: 'string', describe: 'print the exact prompt of SUBJECT[:ROW] (ROW: 0-based data row, default 0) and exit' })
    .option('json', { type: 'boolean', describe: 'with --show-prompt: print {subject,row,version,shots,prompt,scored} as JSON' })
    .option('report', { type: 'string', describe: 'rewrite the tables and report.html of RUN_DIR from its records (no model)' }) as unknown as Argv<CevalArguments>,
  handler: async (args) => {
    checkCevalFlags(args);
    if (args.report) {
      const written = writeCevalReport(args.report, { extractor: args.extract });
      process.stdout.write(`${written.text}\n${written.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return;
    }
    const settings = settingsFrom(args);
    const shardRun = shardedRunFrom('ceval', args);
    // Read every question file before loading the model: bad data fails in a second, not after the load.
    if (!args.resume && args.showPrompt === undefined) plannedQuestions(openQuestionSet(settings), settings.limit);
    const model = interruptible(await openWithSteps(() => openModel(args)));
    try {
      if (args.showPrompt !== undefined) {
        const shown = await showPrompt(model, settings, args.showPrompt);
        process.stdout.write(args.json ? `${JSON.stringify(shown, null, 2)}\n` : `${shown.prompt}${shown.scored ? `\n[scored: ${Object.entries(shown.scored).map(([letter, text]) => `${letter} ${JSON.stringify(text)}`).join(', ')}]` : ''}\n\n--- ${shown.subject}:${shown.row}: ${shown.promptTokens} prompt tokens, ${shown.shots} shots (context ${shown.contextLength})\n`);
        return;
      }
      if (shardRun) {
        const done = await runCevalShard(model, settings, shardRun, process.argv.slice(2).join(' '), (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`shard ${shardRun.shard.index}/${shardRun.shard.count}: ${done.written} questions run now, ${done.alreadyFinished} before, of its ${done.total}; when every shard is done: harness merge ${shardRun.runDir}\n`);
        return;
      }
      const result = await runCevalEvaluation(model, {
        settings, outDir: args.out, resumeDir: args.resume, command: process.argv.slice(2).join(' '),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`\n${result.text}\n${result.files.map((f) => `wrote ${f}`).join('\n')}\n`);
    } finally {
      await model.dispose();
    }
  },
};

export default command;
