/**
 * `harness subjective` — judge-model evaluation as FastChat's llm_judge, AlignBench and
 * OpenCompass's subjective configs run it: `--mode score` (single-answer grading) or `--mode
 * pairwise` (against `--baseline`, both answer orders), answers from files (`--answers`) or from a
 * model (`--model`), a judge model (`--judge-model`), records, resume and reports.
 */
import { interruptible } from '../cli/interrupt.js';
import { openWithSteps } from '../cli/progress.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { writeSubjectiveReport } from '../../reports/subjective/write-report.js';
import { apiModelArguments, modelOptions } from '../model-options.js';
import { describeSource, openLanguageModel, type ModelSource } from '../subjective/language-models.js';
import type { PairOrder } from '../subjective/record.js';
import { PRESET_NAMES, type PresetName, type SubjectiveMode } from '../subjective/presets.js';
import { fileSources, openSelectedPreset, runSubjectiveEvaluation } from '../subjective/runner.js';
import type { SubjectiveSettings } from '../subjective/run-info.js';

interface SubjectiveArguments {
  model?: string;
  backend?: string;
  featureLevel?: string;
  weights?: string;
  gpuMemory?: string;
  kvCache?: string;
  contextLength?: number;
  judgeModel?: string;
  judgeApiBase?: string;
  judgeApiModel?: string;
  apiBase?: string;
  apiModel?: string;
  preset: PresetName;
  mode: SubjectiveMode;
  dataDir: string;
  answers?: string[];
  baseline?: string;
  questions?: string[];
  categories?: string[];
  limit?: number;
  orders: 'both' | 'ab';
  repeats: number;
  judgeMaxOutLen: number;
  maxOutLen: number;
  batchSize: number;
  bootstrap: number;
  seed: number;
  out: string;
  resume?: string;
  report?: string;
}

const list = (values: readonly string[] | undefined): string[] | undefined => {
  const items = values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return items && items.length > 0 ? items : undefined;
};

function settingsFrom(args: ArgumentsCamelCase<SubjectiveArguments>): SubjectiveSettings {
  const orders: PairOrder[] = args.orders === 'both' ? ['AB', 'BA'] : ['AB'];
  if (!Number.isInteger(args.seed)) throw new UserError(`--seed ${args.seed}: expected a whole number`, 'e.g. --seed 0');
  return {
    // Paths are saved absolute, so that --resume works from any folder.
    preset: args.preset, mode: args.mode, dataDir: resolve(args.dataDir), questionIds: list(args.questions), categories: list(args.categories), limit: args.limit,
    answers: (list(args.answers) ?? []).map((file) => resolve(file)), baseline: args.baseline !== undefined && existsSync(args.baseline) ? resolve(args.baseline) : args.baseline, orders, repeats: args.repeats, judgeMaxOutLen: args.judgeMaxOutLen,
    maxOutLen: args.maxOutLen, batchSize: args.batchSize, bootstrap: args.bootstrap, seed: args.seed,
  };
}

const command: CommandModule<object, SubjectiveArguments> = {
  command: 'subjective',
  describe: 'judge-model evaluation: MT-Bench and AlignBench, score or pairwise (m2n against a baseline), FastChat/OpenCompass-style',
  builder: (yargs: Argv) => yargs
    .options(modelOptions)
    .option('model', { type: 'string', describe: 'a checkpoint folder that answers the questions now (turn 2 sees its own first answer); its answers are saved in RUN/answers/' })
    .option('judge-model', { type: 'string', describe: 'the judge: a checkpoint folder run by gnomon\'s engine (greedy, temperature 0). Required, or --judge-api-base' })
    .option('judge-api-base', { type: 'string', describe: 'the judge as a served model: its OpenAI-compatible base URL (the other --api-* flags, key variable included, apply to it)' })
    .option('judge-api-model', { type: 'string', describe: 'with --judge-api-base: the served judge\'s name (default: the only model it lists)' })
    .option('preset', { type: 'string', choices: PRESET_NAMES, default: 'mtbench' as const, describe: 'mtbench (FastChat llm_judge prompts) or alignbench (AlignBench multi-dimension judge)' })
    .option('mode', { type: 'string', choices: ['score', 'pairwise'] as const, default: 'score' as const, describe: 'score: grade each answer; pairwise: compare with --baseline (or all pairs) in both orders' })
    .option('data-dir', { type: 'string', default: './data', describe: 'data folder holding subjective/mt_bench/ and subjective/alignment_bench/' })
    .option('answers', { type: 'string', array: true, describe: 'answer files in FastChat model_answer format (model name = file name), e.g. DATA/subjective/mt_bench/model_answer/vicuna-13b-v1.3.jsonl' })
    .option('baseline', { type: 'string', describe: 'pairwise: the baseline, an answers file or a published model name (gpt-3.5-turbo reads DATA/subjective/mt_bench/model_answer/gpt-3.5-turbo.jsonl)' })
    .option('questions', { type: 'string', array: true, describe: 'question ids to run (comma or space separated)' })
    .option('categories', { type: 'string', array: true, describe: 'categories to run (MT-Bench category, AlignBench capability)' })
    .option('limit', { type: 'number', describe: 'at most N questions (the first N after the filters)' })
    .option('orders', { type: 'string', choices: ['both', 'ab'] as const, default: 'both' as const, describe: 'pairwise: judge each pair in both answer orders (a flip counts as a tie) or candidate-first only' })
    .option('repeats', { type: 'number', default: 1, describe: 'judge each item N times' })
    .option('judge-max-out-len', { type: 'number', default: 2048, describe: 'most tokens in a judge reply (FastChat gives GPT-4 2048)' })
    .option('max-out-len', { type: 'number', default: 1024, describe: '--model: most new tokens per answer turn (OpenCompass MT-Bench: 1024)' })
    .option('batch-size', { type: 'number', default: 4, describe: 'judge prompts per engine call (results do not depend on it)' })
    .option('bootstrap', { type: 'number', default: 1000, describe: 'bootstrap resamples for the 95% intervals' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the bootstrap resampling' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for run directories' })
    .option('resume', { type: 'string', describe: 'continue the run in RUN_DIR (same judge; its saved settings are used)' })
    .option('report', { type: 'string', describe: 'rewrite the tables and report.html of RUN_DIR from its records (no model)' }) as unknown as Argv<SubjectiveArguments>,
  handler: async (args) => {
    if (args.report) {
      const written = writeSubjectiveReport(args.report);
      process.stdout.write(`${written.text}\n${written.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return;
    }
    if (!args.judgeModel && !args.judgeApiBase) throw new UserError('no judge: --judge-model DIR is required (or --judge-api-base URL for a served judge)', 'pass a chat checkpoint folder as --judge-model, or a served judge as --judge-api-base (the judge grades or compares the answers)');
    if (args.judgeModel && args.judgeApiBase) throw new UserError('--judge-model and --judge-api-base both given', 'pick one judge');
    if (args.model && args.apiBase) throw new UserError('--model and --api-base both given', 'the answers come from a checkpoint (--model DIR) or a served model (--api-base URL), not both');
    const settings = settingsFrom(args);
    // Read questions and answer files before loading any model: bad data fails in a second.
    if (!args.resume) {
      openSelectedPreset(settings);
      fileSources(settings);
    }
    const engine = { backend: args.backend, featureLevel: args.featureLevel, weights: args.weights, gpuMemory: args.gpuMemory, kvCache: args.kvCache, contextLength: args.contextLength, ...apiModelArguments(args) };
    const judgeSource: ModelSource = args.judgeApiBase ? { kind: 'api', baseUrl: args.judgeApiBase, model: args.judgeApiModel } : { kind: 'engine', dir: args.judgeModel ?? '' };
    const judge = interruptible(await openWithSteps(() => openLanguageModel(judgeSource, engine)));
    const answerSource: ModelSource | undefined = args.apiBase ? { kind: 'api', baseUrl: args.apiBase, model: args.apiModel } : args.model ? { kind: 'engine', dir: args.model } : undefined;
    try {
      const answerModel = answerSource ? interruptible(await openWithSteps(() => openLanguageModel(answerSource, engine))) : undefined;
      try {
        const result = await runSubjectiveEvaluation({
          settings, judge, judgeSource: describeSource(judgeSource), answerModel, answerModelSource: answerSource ? describeSource(answerSource) : undefined,
          outDir: args.out, resumeDir: args.resume, command: process.argv.slice(2).join(' '), log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`\n${result.text}\n${result.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      } finally {
        await answerModel?.dispose();
      }
    } finally {
      await judge.dispose();
    }
  },
};

export default command;
