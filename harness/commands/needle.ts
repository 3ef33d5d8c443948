/**
 * `harness needle` — needle-in-a-haystack sweeps: a grid of context lengths × needle depths, one
 * generated needle (or several) per cell, greedy answers scored by matching the needle's value,
 * drawn as a heatmap. Lengths are counted in the model's own tokens for the whole prompt.
 */
import { interruptible } from '../cli/interrupt.js';
import { openWithSteps } from '../cli/progress.js';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseDepths, parseLengths, type DepthSpacing, type LengthSpacing } from '../needle/grid.js';
import { loadHaystack, type HaystackLanguage } from '../needle/haystack.js';
import { HaystackTokens } from '../needle/haystack-tokens.js';
import { checkLengths } from '../needle/length-check.js';
import { loadNeedleBenchSweep, planOptions, rewriteNeedleReport, runNeedle, validateSettings, type NeedleBenchSettings, type NeedleSettings } from '../needle/needle-run.js';
import { planNeedleBenchCell } from '../needle/needlebench/needlebench-cell.js';
import { NEEDLEBENCH_HAYSTACK_FILE, NEEDLEBENCH_SIZES, needleBenchConfig, type NeedleBenchSize, type NeedleBenchVersion } from '../needle/needlebench/needlebench-config.js';
import { UserError } from '../../engine/language-model.js';
import { PALETTES, type Palette } from '../../reports/needle/score-colour.js';
import { planCell } from '../needle/plan-cell.js';
import { TASK_KINDS, type NeedleTaskKind } from '../needle/tasks.js';
import { modelOptions, openModel } from '../model-options.js';
import { runNeedleShard } from '../scale/needle-shard.js';
import { shardOptions, shardedRunFrom } from '../scale/sharded-run.js';
import { refuseConflicts, refuseEmptyValues } from './flag-checks.js';

interface NeedleArguments {
  model?: string;
  backend?: string;
  featureLevel?: string;
  weights?: string;
  lengths?: string;
  steps?: number;
  lengthSpacing?: LengthSpacing;
  depths?: string;
  depthSteps: number;
  depthSpacing: DepthSpacing;
  repeats?: number;
  seed: string;
  haystack: string;
  language?: HaystackLanguage;
  task: NeedleTaskKind;
  needles: number;
  distractors: number;
  needleSpacing: number;
  answerTokens?: number;
  threshold: number;
  out: string;
  resume?: string;
  report?: string;
  showPrompt: boolean;
  compat?: 'needlebench';
  needlebenchVersion: NeedleBenchVersion;
  needlebenchSize: NeedleBenchSize;
  dataDir?: string;
  haystackFile?: string;
  palette?: string;
  shard?: string;
  runDir?: string;
}

/** `--compat needlebench`: NeedleBench's grid, data and language unless flags override the grid. */
function needleBenchSettings(args: ArgumentsCamelCase<NeedleArguments>): NeedleBenchSettings | undefined {
  if (args.compat !== 'needlebench') return undefined;
  if (!args.dataDir) throw new UserError('--compat needlebench needs --data-dir', 'pass the OpenCompassData data folder (the one holding needlebench/needles.jsonl and the haystack .jsonl files)');
  if (args.haystack !== 'en' && args.haystack !== 'zh') {
    throw new UserError(`--haystack ${args.haystack} with --compat needlebench: NeedleBench reads its haystacks from --data-dir`, 'name a file in DATA_DIR/needlebench with --haystack-file, and the language with --language en|zh');
  }
  // --haystack zh picks NeedleBench's Chinese haystack and needles, as it picks the project's.
  const language = args.language ?? args.haystack;
  const config = needleBenchConfig(args.needlebenchVersion, args.needlebenchSize);
  return {
    kind: 'needlebench', version: args.needlebenchVersion, size: args.needlebenchSize, dataDir: resolve(args.dataDir),
    haystackFile: args.haystackFile ?? NEEDLEBENCH_HAYSTACK_FILE[language], language,
    lengthBuffer: (args.task === 'multi-reasoning' ? config.multiReasoningBuffer ?? config.lengthBuffer : config.lengthBuffer)[language],
  };
}

export function settingsFrom(args: ArgumentsCamelCase<NeedleArguments>): NeedleSettings {
  const lengthSpacing = args.lengthSpacing ?? (args.steps !== undefined ? 'linear' : 'doubling');
  const compat = needleBenchSettings(args);
  const config = compat ? needleBenchConfig(compat.version, compat.size) : undefined;
  if (!compat && (args.dataDir || args.haystackFile)) throw new UserError('--data-dir and --haystack-file belong to --compat needlebench', 'add --compat needlebench, or use --haystack FILE for the project\'s own sweep');
  // Room for k six-digit codes and their separators, or one code with a short sentence around it.
  // NeedleBench's reasoning task asks for reasoning then a \boxed{} name: give it room.
  const answerTokens = args.answerTokens ?? (args.task === 'multi-retrieval' ? 16 + 12 * args.needles : compat && args.task === 'multi-reasoning' ? 256 : 32);
  return validateSettings({
    grid: {
      // NeedleBench's config lists unless --lengths / --depths / --repeats are given.
      lengths: args.lengths === undefined && config ? [...config.lengths] : parseLengths(args.lengths ?? '1k..32k', args.steps, lengthSpacing),
      depths: args.depths === undefined && config ? [...config.depths] : parseDepths(args.depths ?? '0..100', args.depthSteps, args.depthSpacing),
      repeats: args.repeats ?? config?.repeats ?? 1,
    },
    ...(compat ? { compat } : {}),
    ...(args.palette ? { palette: args.palette as Palette } : {}),
    seed: args.seed,
    haystack: args.haystack === 'en' || args.haystack === 'zh' ? args.haystack : resolve(args.haystack),
    ...(args.language ? { language: args.language } : {}),
    task: { kind: args.task, needles: args.needles, distractors: args.distractors, spacing: args.needleSpacing },
    answerTokens,
    threshold: args.threshold,
  });
}

const command: CommandModule<object, NeedleArguments> = {
  command: 'needle',
  describe: 'needle-in-a-haystack sweep over context lengths × depths, with a heatmap and effective length (NeedleBench-style)',
  builder: (yargs: Argv) => yargs
    .options(modelOptions)
    .options(shardOptions)
    .option('lengths', { type: 'string', describe: '(default 1k..32k, or the NeedleBench config\'s lengths with --compat) '+ 'prompt lengths in model tokens: a range A..B (doubling from A, B included) or a list 1k,4k,6000' })
    .option('steps', { type: 'number', describe: 'with a range: this many lengths, spaced by --length-spacing (default linear)' })
    .option('length-spacing', { type: 'string', choices: ['doubling', 'linear', 'log'] as const, describe: 'how a length range is stepped (doubling without --steps)' })
    .option('depths', { type: 'string', describe: '(default 0..100) '+ 'needle depths in percent (0 = first, 100 = last): a range, or a list 0,50,100' })
    .option('depth-steps', { type: 'number', default: 11, describe: 'depths in a range (11 → every 10%)' })
    .option('depth-spacing', { type: 'string', choices: ['linear', 'sigmoid'] as const, default: 'linear' as const, describe: 'sigmoid packs depths near both ends (NeedleBench\'s logistic spacing)' })
    .option('repeats', { type: 'number', describe: 'needles per cell (different seeds), averaged in the heatmap (default 1; NeedleBench\'s 10 with --compat)' })
    .option('seed', { type: 'string', default: '0', describe: 'global seed; each cell derives its own from (seed, length, depth, repeat)' })
    .option('haystack', { type: 'string', default: 'en', describe: 'filler text: en, zh (the project\'s generated corpora) or a UTF-8 text FILE' })
    .option('language', { type: 'string', choices: ['en', 'zh'] as const, describe: 'language of needles and question (default: the haystack\'s)' })
    .option('task', { type: 'string', choices: TASK_KINDS, default: 'single' as const, describe: 'single needle; multi-retrieval (recall all k); multi-reasoning (chain of k facts); multi-key (RULER-style distractors)' })
    .option('needles', { type: 'number', default: 3, describe: 'multi-retrieval / multi-reasoning: needles per cell' })
    .option('distractors', { type: 'number', default: 3, describe: 'multi-key: distractor facts with other keys at random depths' })
    .option('needle-spacing', { type: 'number', default: 10, describe: 'multi-needle tasks: percent of the haystack between successive needles' })
    .option('answer-tokens', { type: 'number', describe: 'tokens reserved for the answer inside each length, and the generation limit (default 32; 16 + 12·needles for multi-retrieval)' })
    .option('threshold', { type: 'number', default: 0.85, describe: 'effective length = longest length whose mean score ≥ this' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for run directories' })
    .option('resume', { type: 'string', describe: 'continue RUN_DIR, skipping finished cells (its run.json settings are used; same --model)' })
    .option('report', { type: 'string', describe: 'rewrite the heatmaps, tables and report.html of RUN_DIR from its records (no model)' })
    .option('palette', { type: 'string', choices: PALETTES, describe: 'heatmap colours: viridis (default, colour-blind safe) or red-green (classic); also with --report' })
    .option('compat', { type: 'string', choices: ['needlebench'] as const, describe: 'reproduce OpenCompass NeedleBench (single needle): its data, templates, seeding, cl100k lengths, insertion and scorer' })
    .option('needlebench-version', { type: 'string', choices: ['v1', 'v2'] as const, default: 'v2' as const, describe: 'with --compat needlebench: v2 (keyword 100/0) or v1 (guide sentence, Levenshtein partial credit)' })
    .option('needlebench-size', { type: 'string', choices: NEEDLEBENCH_SIZES, default: '4k' as const, describe: 'with --compat needlebench: which config\'s lengths, depths, buffers and repeats' })
    .option('data-dir', { type: 'string', describe: 'with --compat needlebench: data folder in OpenCompassData layout (holds needlebench/needles.jsonl, PaulGrahamEssays.jsonl, zh_finance.jsonl, …)' })
    .option('haystack-file', { type: 'string', describe: 'with --compat needlebench: haystack file in needlebench/ (default PaulGrahamEssays.jsonl for en, zh_finance.jsonl for zh)' })
    .option('show-prompt', { type: 'boolean', default: false, describe: 'print the first cell\'s prompt (shortest length, first depth) and its token counts, then exit' }) as unknown as Argv<NeedleArguments>,
  handler: async (args) => {
    refuseEmptyValues(args, ['model', 'gpuMemory', 'lengths', 'depths', 'seed', 'haystack', 'out', 'resume', 'report', 'dataDir', 'haystackFile']);
    refuseConflicts(args, [
      { flags: ['resume', 'report'], reason: '--report rewrites a finished run\'s report without a model; --resume continues the run (and writes the report at the end)' },
      { flags: ['showPrompt', 'resume'], reason: '--show-prompt prints one prompt and exits; it runs nothing to resume' },
      { flags: ['showPrompt', 'report'], reason: '--show-prompt needs a model and --report runs none' },
    ]);
    if (args.report) {
      const written = rewriteNeedleReport(args.report, args.palette as Palette | undefined);
      if (written.report.png.note) process.stderr.write(`note: ${written.report.png.note}\n`);
      process.stdout.write(`${written.text}\n${written.report.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return;
    }
    const settings = args.resume ? undefined : settingsFrom(args);
    const shardRun = shardedRunFrom('needle', args);
    const model = interruptible(await openWithSteps(() => openModel(args)));
    try {
      if (shardRun && !args.showPrompt) {
        const sweep = await runNeedleShard(model, settingsFrom(args), shardRun, process.argv.slice(2).join(' '), (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`shard ${shardRun.shard.index}/${shardRun.shard.count}: ${sweep.ran} cells run now, ${sweep.records.length} in its records; when every shard is done: harness merge ${shardRun.runDir}\n`);
        return;
      }
      if (args.showPrompt && settings?.compat) {
        const cell = { lengthTarget: settings.grid.lengths[0] ?? 1000, depthTarget: settings.grid.depths[0] ?? 0, repeat: 0 };
        const plan = await planNeedleBenchCell(cell, loadNeedleBenchSweep({ ...settings, compat: settings.compat }), model.tokenizer, settings.answerTokens);
        process.stdout.write(`${plan.promptText}\n\n--- NeedleBench ${settings.compat.version} ${plan.key}: ${plan.haystackTokens} cl100k tokens of haystack, needle at token ${plan.placements[0]?.offset} (${plan.depthActual}%); ${plan.promptTokens} model tokens + ${plan.answerReserve} reserved = ${plan.lengthActual} (context ${model.info.contextLength}); keyword ${plan.task.expected.join(', ')}\n`);
        return;
      }
      if (args.showPrompt && settings) {
        const tokens = new HaystackTokens(loadHaystack(settings.haystack, settings.language), model.tokenizer);
        await checkLengths(settings.grid.lengths.slice(0, 1), settings.grid.depths, tokens, model.tokenizer, planOptions(settings));
        const plan = await planCell({ lengthTarget: settings.grid.lengths[0] ?? 1024, depthTarget: settings.grid.depths[0] ?? 0, repeat: 0 }, tokens, model.tokenizer, planOptions(settings));
        const placement = plan.placements[0]?.method === 'token' ? 'inside a sentence, at a token position' : 'on a sentence boundary';
        process.stdout.write(`${plan.promptText}\n\n--- ${plan.key}: ${plan.promptTokens} prompt tokens (${plan.haystackTokens} of haystack) + ${plan.answerReserve} reserved = ${plan.lengthActual} (target ${plan.cell.lengthTarget}); needle at ${plan.depthActual}% (target ${plan.cell.depthTarget}%, ${placement}${plan.depthFlagged ? ', FLAGGED: off by more than 1 point' : ''}); expected ${plan.task.expected.join(', ')}\n`);
        return;
      }
      const result = await runNeedle(model, {
        settings: settings ?? settingsFrom(args), outDir: args.out, ...(args.resume ? { resumeDir: args.resume } : {}),
        argv: process.argv.slice(2).join(' '), log: (line) => process.stderr.write(`${line}\n`),
      });
      if (result.report.png.note) process.stderr.write(`note: ${result.report.png.note}\n`);
      process.stdout.write(`\n${result.text}\n${result.report.files.map((f) => `wrote ${f}`).join('\n')}\n`);
    } finally {
      await model.dispose();
    }
  },
};

// The command list holds modules of every option type; yargs checks options at run time.
export default command as unknown as CommandModule<object, never>;
