// Issue 17 items 6, 8 and 16, on the real engine (tiny fixture, a 40-token context):
//  6. the likelihood probe skips an item longer than the context (counted), never cuts it and
//     includes it in the means;
//  8. the option-order probe skips such an item instead of aborting the run, and --resume finishes;
// 16. --resume checks the checkpoint hash; --report keeps the item counts and the model line; a
//     resume whose records are complete keeps the model line.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import { isUserError } from '../../../engine/errors.js';
import contamination from '../../../harness/commands/contamination.js';
import type { ContaminationRecord } from '../../../harness/contamination/contamination-records.js';
import { loadItemFile } from '../../../harness/contamination/items.js';
import { DEFAULT_NGRAM_RULES } from '../../../harness/contamination/ngram-index.js';
import { runContamination } from '../../../harness/contamination/runner.js';
import { readJsonl, readRunInfo } from '../../../harness/records.js';
import { writeContaminationReport } from '../../../reports/contamination/write-contamination-report.js';
import { fixtureDir, removeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';
import { temporaryDirectory } from '../ceval/ceval-data-fixture.js';

const long = 'a long question that goes on and on '.repeat(12).trim();

function itemFile(dir: string): string {
  const file = join(dir, 'items.csv');
  writeFileSync(file, `question,A,B,C,D,answer\nshort one?,a,b,c,d,A\n${long}?,a,b,c,d,B\nanother?,x,y,z,w,C\n`);
  return file;
}

describe('items longer than the context', () => {
  it('likelihood and option-order probes skip and count them; the run finishes and --resume has nothing left', async () => {
    const dir = temporaryDirectory('gnomon-long-items-');
    const benchmark = loadItemFile(itemFile(dir), '--dataset');
    const model = await loadModel(fixtureDir('tiny-fp32'), { contextLength: 40 });
    try {
      const plan = { benchmark, reference: [], probes: ['likelihood', 'option_order'] as const, corpus: [], corpusField: 'text', rules: DEFAULT_NGRAM_RULES, minKPercent: 20, orders: 4, seed: 's', batchSize: 2 };
      await runContamination(plan, dir, { openModel: async () => model, log: () => undefined });
      const records = readJsonl<ContaminationRecord>(join(dir, 'records.jsonl'));
      const of = (probe: string, key: string) => records.find((r) => r.probe === probe && r.item_key === key);
      const likelihood = of('likelihood', 'items-1');
      expect(likelihood?.probe === 'likelihood' && likelihood.likelihood).toBe(null);
      expect(likelihood?.probe === 'likelihood' && likelihood.unscored_reason).toMatch(/^skipped: \d+ tokens \(with the prefix\), longer than the model's context of 40 tokens$/);
      const order = of('option_order', 'items-1');
      expect(order?.probe === 'option_order' && order.option_order).toBe(null);
      expect(order?.probe === 'option_order' && order.unscored_reason).toMatch(/^skipped: question and options are \d+ tokens, longer than the model's context of 40 tokens$/);
      for (const key of ['items-0', 'items-2']) {
        const scored = of('likelihood', key);
        expect(scored?.probe === 'likelihood' && scored.likelihood?.tokens).toBeGreaterThan(0);
        const ranked = of('option_order', key);
        expect(ranked?.probe === 'option_order' && ranked.option_order?.orders).toBe(4);
      }
      const { summary } = writeContaminationReport(dir, ['test']);
      expect(summary.likelihood[0]?.benchmark.n).toBe(2);
      expect(summary.optionOrder[0]?.items).toBe(2);
      expect(summary.unscored).toEqual([
        { probe: 'likelihood', set: 'benchmark', reason: 'longer than the context', count: 1 },
        { probe: 'option_order', set: 'benchmark', reason: 'longer than the context', count: 1 },
      ]);
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('Not scored (counted here, in no figure above): likelihood benchmark: 1 longer than the context; option order benchmark: 1 longer than the context.');
      // Resuming finds every item finished (the skips are records too) and opens no model.
      let opened = false;
      await runContamination(plan, dir, { openModel: async () => { opened = true; return model; }, log: () => undefined });
      expect(opened).toBe(false);
      expect(readJsonl(join(dir, 'records.jsonl'))).toHaveLength(records.length);
    } finally {
      await model.dispose();
    }
  }, 60_000);
});

async function run(argv: string[]): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  const writeError = process.stderr.write.bind(process.stderr);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await yargs(argv).command(contamination).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeError;
  }
  return printed;
}

describe('contamination --resume and --report keep what the run was', () => {
  const copies: string[] = [];
  afterAll(() => { for (const copy of copies) removeTempFolder(join(copy, '..')); });

  it('--report keeps item counts and the model line; a complete resume keeps the model; a replaced checkpoint is refused', async () => {
    const dir = temporaryDirectory('gnomon-contamination-resume-');
    const checkpoint = writableFixtureCopy('tiny-fp32');
    copies.push(checkpoint);
    const out = join(dir, 'runs');
    await run(['contamination', '--dataset', itemFile(dir), '--probes', 'likelihood', '--model', checkpoint, '--out', out]);
    const runDir = join(out, readdirSync(out)[0] ?? '');
    const firstSummary = readFileSync(join(runDir, 'summary.md'), 'utf8');
    expect(firstSummary).toContain(' — 3 items; reference: none');
    expect(firstSummary).toMatch(/- model: tiny-fp32 on /);

    await run(['contamination', '--report', runDir]);
    const reported = readFileSync(join(runDir, 'summary.md'), 'utf8');
    expect(reported).toContain(' — 3 items; reference: none');
    expect(reported).toMatch(/- model: tiny-fp32 on /);

    await run(['contamination', '--resume', runDir]);
    expect(readFileSync(join(runDir, 'summary.md'), 'utf8')).toMatch(/- model: tiny-fp32 on /);

    // Replace the checkpoint at the same path (another config gives another hash) and drop one record.
    const hashBefore = (readRunInfo(runDir) as { model_info: { checkpointHash: string } }).model_info.checkpointHash;
    const config = JSON.parse(readFileSync(join(checkpoint, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(checkpoint, 'config.json'), JSON.stringify({ ...config, rms_norm_eps: 1e-6 }));
    const recordsFile = join(runDir, 'records.jsonl');
    const lines = readFileSync(recordsFile, 'utf8').trim().split('\n');
    writeFileSync(recordsFile, `${lines.slice(0, -1).join('\n')}\n`);
    let caught: unknown;
    try {
      await run(['contamination', '--resume', runDir]);
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toContain(`its records were scored with tiny-fp32 (checkpoint ${hashBefore})`);
    expect((readRunInfo(runDir) as { model_info: { checkpointHash: string } }).model_info.checkpointHash).toBe(hashBefore);
    expect(readFileSync(recordsFile, 'utf8').trim().split('\n')).toHaveLength(lines.length - 1);
  }, 120_000);
});
