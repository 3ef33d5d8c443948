/**
 * `harness contamination` — does the model already know the test? N-gram overlap of the benchmark
 * with corpora the user supplies (GPT-3 and PaLM rules, token coverage), likelihood probes against
 * a reference set (mean NLL, Min-K% prob, zlib ratio: AUROC and Mann–Whitney), the option-order
 * probe (binomial test against chance), and accuracy on clean vs dirty items of a `harness ceval`
 * run (labels from Contamination_Detector annotations or from the n-gram overlap).
 */
import { interruptible, Interrupted } from '../cli/interrupt.js';
import { openWithSteps, stepSync } from '../cli/progress.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { apiModelArguments, modelOptions, openModel, type ModelArguments } from '../model-options.js';
import { refuseConflicts, refuseEmptyValues } from './flag-checks.js';
import { createRunDirectory, readJsonl, readRunInfo, writeRunInfo } from '../records.js';
import { lockRunDirectory } from '../run-lock.js';
import { loadCevalItems, loadItemFile, type ContaminationItem } from '../contamination/items.js';
import { DEFAULT_NGRAM_RULES } from '../contamination/ngram-index.js';
import { listCorpusFiles } from '../contamination/corpus-scan.js';
import { runContamination, type ContaminationPlan } from '../contamination/runner.js';
import { CONTAMINATION_RECORDS_FILE, type ContaminationRecord, type ProbeName } from '../contamination/contamination-records.js';
import { loadContaminationAnnotations } from '../contamination/annotations.js';
import { readCevalOutcomes, readCevalRunGroups } from '../contamination/impact.js';
import { writeContaminationReport } from '../../reports/contamination/write-contamination-report.js';
import { summaryMarkdown } from '../../reports/contamination/contamination-tables.js';
import { addToRunInfo, claimRunInfo, lockShard, shardOptions, shardedRunFrom, shardWork } from '../scale/sharded-run.js';

const RUN_SCHEMA = 'gnomon.contamination.run.v1';
const PROBE_CHOICES = ['ngram', 'likelihood', 'option-order'] as const;

/** Everything that defines a run; stored in run.json so `--resume` repeats it exactly. */
interface ContaminationSettings {
  readonly dataset: string;
  readonly dataDir: string;
  readonly split: 'val' | 'test' | 'dev';
  readonly subjects: readonly string[];
  readonly limit: number | null;
  readonly corpus: readonly string[];
  readonly corpusField: string;
  readonly reference: string | null;
  readonly probes: readonly ProbeName[];
  readonly minK: number;
  readonly orders: number;
  readonly seed: string;
  readonly batchSize: number;
  readonly model: ModelArguments;
}

interface ContaminationArguments {
  model?: string;
  backend?: string;
  featureLevel?: string;
  weights?: string;
  dataset?: string;
  dataDir: string;
  split: 'val' | 'test' | 'dev';
  subjects?: string[];
  limit?: number;
  corpus?: string[];
  corpusField: string;
  reference?: string;
  probes: string[];
  minK: number;
  orders: number;
  seed: string;
  batchSize: number;
  cevalRun?: string;
  annotations?: string;
  out: string;
  resume?: string;
  report?: string;
  shard?: string;
  runDir?: string;
}

function settingsFrom(args: ArgumentsCamelCase<ContaminationArguments>): ContaminationSettings {
  if (!args.dataset) throw new UserError('--dataset is required', 'pass --dataset ceval (with --data-dir) or --dataset FILE (.csv/.jsonl with question,A,B,C,D,answer)');
  if (!(args.minK > 0 && args.minK <= 100)) throw new UserError(`--min-k ${args.minK}: expected a percentage in (0, 100]`, 'Min-K% prob uses k = 20 by default');
  if (!Number.isInteger(args.orders) || args.orders < 2 || args.orders > 24) throw new UserError(`--orders ${args.orders}: expected a whole number from 2 to 24`, 'four options have 24 orders; --orders 24 compares all of them');
  if (!Number.isInteger(args.batchSize) || args.batchSize < 1) throw new UserError(`--batch-size ${args.batchSize}: expected a whole number ≥ 1`, 'e.g. --batch-size 8');
  if (args.limit !== undefined && (!Number.isInteger(args.limit) || args.limit < 1)) throw new UserError(`--limit ${args.limit}: expected a whole number ≥ 1`, 'e.g. --limit 20');
  const probes = args.probes.flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  for (const probe of probes) {
    if (!(PROBE_CHOICES as readonly string[]).includes(probe)) throw new UserError(`--probes: unknown probe "${probe}"`, `choose from ${PROBE_CHOICES.join(', ')}`);
  }
  const corpus = (args.corpus ?? []).map(String);
  if (probes.length === 1 && probes[0] === 'ngram' && corpus.length === 0) throw new UserError('--probes ngram needs --corpus PATH...', 'pass the corpus files or folders to compare the benchmark with');
  // Paths are stored absolute, so that --resume works from any folder.
  return {
    dataset: args.dataset === 'ceval' ? args.dataset : resolve(args.dataset),
    dataDir: resolve(args.dataDir),
    split: args.split,
    subjects: (args.subjects ?? []).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== ''),
    limit: args.limit ?? null,
    corpus: corpus.map((path) => resolve(path)),
    corpusField: args.corpusField,
    reference: args.reference === undefined ? null : resolve(args.reference),
    probes: probes.map((p) => (p === 'option-order' ? 'option_order' : p) as ProbeName),
    minK: args.minK,
    orders: args.orders,
    seed: args.seed,
    batchSize: args.batchSize,
    model: { model: args.model === undefined ? undefined : resolve(args.model), backend: args.backend, featureLevel: args.featureLevel, weights: args.weights, ...apiModelArguments(args) },
  };
}

function loadBenchmark(settings: ContaminationSettings): ContaminationItem[] {
  let items: ContaminationItem[];
  if (settings.dataset === 'ceval') {
    items = loadCevalItems({ dataDir: settings.dataDir, split: settings.split, subjects: settings.subjects });
  } else {
    if (!existsSync(settings.dataset)) throw new UserError(`--dataset ${settings.dataset}: neither "ceval" nor an existing file`, 'pass --dataset ceval, or a .csv/.jsonl file with question,A,B,C,D,answer');
    items = loadItemFile(settings.dataset, '--dataset');
  }
  if (settings.limit === null) return items;
  const taken = new Map<string, number>();
  return items.filter((item) => {
    const count = taken.get(item.subject) ?? 0;
    taken.set(item.subject, count + 1);
    return count < (settings.limit ?? Infinity);
  });
}

/** What run.json holds besides the settings: item counts and the model that scored the records. */
interface StoredRunInfo {
  readonly items?: { readonly benchmark: number; readonly reference: number };
  readonly model_info?: { readonly name: string; readonly device: string; readonly checkpointHash: string };
}

function storedModelName(info: StoredRunInfo): string | null {
  return info.model_info ? `${info.model_info.name} on ${info.model_info.device}` : null;
}

/** Item counts of a run written before run.json stored them: distinct items per set in its records. */
function countedItems(runDir: string): { benchmark: number; reference: number } {
  const records = readJsonl<ContaminationRecord>(join(runDir, CONTAMINATION_RECORDS_FILE));
  const keys = (set: string): number => new Set(records.filter((r) => r.set === set).map((r) => r.item_key)).size;
  return { benchmark: keys('benchmark'), reference: keys('reference') };
}

function storedSettings(runDir: string): ContaminationSettings {
  const info = readRunInfo(runDir) as { schema?: unknown; settings?: ContaminationSettings };
  if (info.schema !== RUN_SCHEMA || !info.settings) throw new UserError(`${runDir}/run.json: not a contamination run`, 'pass a folder that `harness contamination` created');
  return info.settings;
}

function impactInputs(cevalRun: string | undefined, annotations: string | undefined): Parameters<typeof writeContaminationReport>[2] {
  if (!cevalRun) {
    if (annotations) process.stderr.write('note: --annotations is used with --ceval-run (accuracy on clean vs dirty items); ignored without it\n');
    return undefined;
  }
  return { outcomes: readCevalOutcomes(cevalRun), ...readCevalRunGroups(cevalRun), ...(annotations ? { annotations: loadContaminationAnnotations(annotations) } : {}) };
}

function subtitleOf(settings: ContaminationSettings, benchmark: number, reference: number, model: string | null): string[] {
  return [
    `dataset: ${settings.dataset}${settings.dataset === 'ceval' ? ` (${settings.split}${settings.subjects.length ? `, ${settings.subjects.join(' ')}` : ', all subjects'})` : ''} — ${benchmark} items; reference: ${settings.reference ?? 'none'}${reference ? ` (${reference} items)` : ''}`,
    `corpus: ${settings.corpus.length ? settings.corpus.join(' ') : 'none'}; probes: ${settings.probes.join(', ')}`,
    `model: ${model ?? 'not used'}; ${new Date().toISOString()}`,
  ];
}

const command: CommandModule<object, ContaminationArguments> = {
  command: 'contamination',
  describe: 'does the model already know the test? n-gram overlap with corpora, likelihood and option-order probes, clean/dirty accuracy',
  builder: (yargs: Argv) => yargs
    .options(modelOptions)
    .options(shardOptions)
    .option('dataset', { type: 'string', describe: 'ceval (C-Eval from --data-dir) or a question file: .csv/.jsonl with question,A,B,C,D,answer, or .txt with one item per line' })
    .option('data-dir', { type: 'string', default: './data', describe: 'with --dataset ceval: data folder in OpenCompass layout (holds ceval/formal_ceval)' })
    .option('split', { type: 'string', choices: ['val', 'test', 'dev'] as const, default: 'val' as const, describe: 'C-Eval split (Contamination_Detector annotations cover val)' })
    .option('subjects', { type: 'string', array: true, describe: 'C-Eval subjects (space or comma separated); default all 52' })
    .option('limit', { type: 'number', describe: 'at most N items per subject (the first N)' })
    .option('corpus', { type: 'string', array: true, describe: 'reference corpora for n-gram overlap: .txt/.md files, .jsonl files, or folders (recursive); streamed' })
    .option('corpus-field', { type: 'string', default: 'text', describe: 'JSONL corpora: the string field holding each record\'s text' })
    .option('reference', { type: 'string', describe: 'paraphrased or freshly written items of the same kind (.csv/.jsonl/.txt) to compare likelihood scores with' })
    .option('probes', { type: 'string', array: true, default: [...PROBE_CHOICES], describe: 'checks to run: ngram (needs --corpus), likelihood, option-order' })
    .option('min-k', { type: 'number', default: 20, describe: 'Min-K% prob: percentage of lowest-probability tokens averaged' })
    .option('orders', { type: 'number', default: 24, describe: 'option-order probe: orders compared per item, original included (24 = all orders of four options; fewer = a seeded sample)' })
    .option('seed', { type: 'string', default: 'gnomon', describe: 'seed for sampled option orders' })
    .option('batch-size', { type: 'number', default: 8, describe: 'items per engine call for the likelihood probes (results do not depend on it)' })
    .option('ceval-run', { type: 'string', describe: 'a `harness ceval` run directory: report its accuracy on clean vs dirty items' })
    .option('annotations', { type: 'string', describe: 'with --ceval-run: clean/dirty labels in Contamination_Detector JSON ({"<subject>-<row>": ["clean" | "input contamination" | "input-and-label contamination"]})' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder for run directories' })
    .option('resume', { type: 'string', describe: 'continue the run in RUN_DIR with its stored settings, skipping finished items' })
    .option('report', { type: 'string', describe: 'rewrite summary and report.html of RUN_DIR from its records (no model); add --ceval-run/--annotations to include accuracy' }) as unknown as Argv<ContaminationArguments>,
  handler: async (args) => {
    refuseEmptyValues(args, ['model', 'gpuMemory', 'dataset', 'dataDir', 'subjects', 'corpus', 'corpusField', 'reference', 'probes', 'seed', 'cevalRun', 'annotations', 'out', 'resume', 'report']);
    refuseConflicts(args, [
      { flags: ['resume', 'report'], reason: '--report rewrites a finished run\'s summary without a model; --resume continues the run (and writes the summary at the end)' },
    ]);
    if (args.report) {
      const settings = storedSettings(args.report);
      const stored = readRunInfo(args.report) as StoredRunInfo;
      const counts = stored.items ?? countedItems(args.report);
      const written = writeContaminationReport(args.report, subtitleOf(settings, counts.benchmark, counts.reference, storedModelName(stored)), impactInputs(args.cevalRun, args.annotations));
      process.stdout.write(`${summaryMarkdown(written.summary)}${written.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return;
    }
    const settings = args.resume ? storedSettings(args.resume) : settingsFrom(args);
    if (args.resume) process.stderr.write(`resuming ${args.resume} with its stored settings\n`);
    const benchmark = loadBenchmark(settings);
    const reference = settings.reference ? loadItemFile(settings.reference, '--reference') : [];
    const impact = impactInputs(args.cevalRun, args.annotations);
    if (settings.probes.includes('ngram') && settings.corpus.length === 0) process.stderr.write('note: no --corpus given, so the n-gram overlap check is skipped\n');
    // Check the corpus paths before creating a run directory, so a typo leaves nothing behind.
    if (settings.probes.includes('ngram') && settings.corpus.length > 0) listCorpusFiles(settings.corpus);
    const shardRun = shardedRunFrom('contamination', args);
    const runDir = shardRun?.runDir ?? args.resume ?? createRunDirectory(args.out, 'contamination');
    // One writer per run (per shard, in a sharded run): a second --resume of the same folder stops here instead of duplicating records.
    const lock = shardRun ? lockShard(shardRun, `harness ${process.argv.slice(2).join(' ')}`) : lockRunDirectory(runDir, `harness ${process.argv.slice(2).join(' ')}`);
    let model: Awaited<ReturnType<typeof runContamination>>;
    try {
      const items = { benchmark: benchmark.length, reference: reference.length };
      const runInfo = { schema: RUN_SCHEMA, command: 'contamination', settings, items, argv: process.argv.slice(2), started: new Date().toISOString() };
      if (shardRun) claimRunInfo(shardRun, runInfo);
      else if (!args.resume) writeRunInfo(runDir, runInfo);
      const stored = readRunInfo(runDir) as StoredRunInfo;
      process.stderr.write(`run directory: ${runDir}\n${benchmark.length} benchmark item(s), ${reference.length} reference item(s)\n`);
      const plan: ContaminationPlan = {
        benchmark, reference, probes: settings.probes, corpus: settings.corpus, corpusField: settings.corpusField,
        rules: DEFAULT_NGRAM_RULES, minKPercent: settings.minK, orders: settings.orders, seed: settings.seed, batchSize: settings.batchSize,
      };
      // A run that finished its model probes earlier keeps the model line it was scored with.
      let modelName = storedModelName(stored);
      model = await runContamination(plan, runDir, {
        openModel: async () => {
          const opened = interruptible(await openWithSteps(() => openModel(settings.model)));
          const before = stored.model_info;
          if (before && before.checkpointHash !== opened.info.checkpointHash) {
            await opened.dispose();
            throw new UserError(
              `${runDir}: its records were scored with ${before.name} (checkpoint ${before.checkpointHash}), but ${settings.model.model ?? 'the demo model'} is now ${opened.info.name} (${opened.info.checkpointHash})`,
              'resume with the checkpoint the run started with (restore the files), or start a new run',
            );
          }
          modelName = `${opened.info.name} on ${opened.info.device}`;
          // Shards share run.json: they add the model with an atomic rename instead of rewriting it in place.
          if (shardRun) addToRunInfo(runDir, { model_info: opened.info });
          else writeRunInfo(runDir, { ...(readRunInfo(runDir) as object), items, model_info: opened.info });
          return opened;
        },
        log: (line) => process.stderr.write(`${line}\n`),
      }, shardRun && shardWork(shardRun)).catch((error: unknown) => {
        // Ctrl-C: the records written so far get their (partial) summary before the command stops.
        if (!(error instanceof Interrupted)) throw error;
        if (!shardRun) writeContaminationReport(runDir, subtitleOf(settings, benchmark.length, reference.length, modelName), impact);
        throw new Interrupted(`interrupted; records${shardRun ? '' : ' and a partial summary'} saved in ${runDir}`, runDir);
      });
      try {
        if (shardRun) {
          process.stdout.write(`shard ${shardRun.shard.index}/${shardRun.shard.count} done; when every shard is done: harness merge ${runDir}\n`);
          return;
        }
        const written = stepSync('writing the report', () => writeContaminationReport(runDir, subtitleOf(settings, benchmark.length, reference.length, modelName), impact));
        process.stdout.write(`${summaryMarkdown(written.summary)}${written.files.map((f) => `wrote ${f}`).join('\n')}\n`);
      } finally {
        await model?.dispose();
      }
    } finally {
      lock.release();
    }
  },
};

export default command;
