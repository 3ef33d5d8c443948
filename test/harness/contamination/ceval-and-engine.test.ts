import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { loadCevalItems, overlapText, probeText } from '../../../harness/contamination/items.js';
import { BenchmarkNgramIndex } from '../../../harness/contamination/ngram-index.js';
import { scanCorpus } from '../../../harness/contamination/corpus-scan.js';
import { scoreTexts } from '../../../harness/contamination/likelihood-probes.js';
import { runContamination } from '../../../harness/contamination/runner.js';
import { DEFAULT_NGRAM_RULES } from '../../../harness/contamination/ngram-index.js';
import { readJsonl } from '../../../harness/records.js';
import type { ContaminationRecord } from '../../../harness/contamination/contamination-records.js';
import { writeContaminationReport } from '../../../reports/contamination/write-contamination-report.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const DATA_DIR = BENCHMARKS_DIR;

describe('C-Eval items', () => {
  it('are keyed <subject>-<row> like Contamination_Detector, and real Chinese questions match per character', async () => {
    const items = loadCevalItems({ dataDir: DATA_DIR, split: 'val', subjects: ['computer_network'] });
    expect(items).toHaveLength(19);
    expect(items[3]?.key).toBe('computer_network-3');
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-ceval-ngram-'));
    const corpus = join(dir, 'forum.jsonl');
    const question = items[0]?.question ?? '';
    // A forum post quoting the question (not the options) with other punctuation and full-width forms.
    const quoted = question.replace(/，/g, ', ').replace(/____/g, '（　）').replace(/flag/g, 'ＦＬＡＧ');
    writeFileSync(corpus, `${JSON.stringify({ content: `请问：${quoted}` })}\n`);
    const index = new BenchmarkNgramIndex(items.map(overlapText));
    await scanCorpus(index, [corpus], { jsonlField: 'content' });
    const overlaps = index.overlaps();
    const labels = overlaps.map((o) => o.label);
    // The options (1, 2, 3, 4) are not in the post, but the long question is most of the item's 8-grams.
    expect(overlaps[0]?.gpt3.label).toBe('dirty');
    expect(overlaps[0]?.palm.label).toBe('dirty');
    expect(overlaps[0]?.coverage).toBeLessThan(1);
    expect(overlaps[0]?.firstMatch).toEqual({ file: corpus, line: 1 });
    expect(labels.filter((l, i) => i !== 0 && l !== 'clean')).toEqual([]);
  });
});

describe('probes through the WebGPU engine on the tiny fixture model', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadModel(fixtureDir('tiny-fp32'));
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('likelihood scores do not depend on batch size', async () => {
    const items = loadCevalItems({ dataDir: DATA_DIR, split: 'val', subjects: ['computer_network'] }).slice(0, 5);
    const texts = items.map(probeText);
    const one = await scoreTexts(model, texts, { kPercent: 20, batchSize: 1 });
    const all = await scoreTexts(model, texts, { kPercent: 20, batchSize: 5 });
    for (let i = 0; i < texts.length; i += 1) {
      expect(one[i]?.tokens).toBeGreaterThan(5);
      expect(all[i]?.tokens).toBe(one[i]?.tokens);
      expect(all[i]?.meanNll).toBeCloseTo(one[i]?.meanNll ?? Number.NaN, 5);
      expect(all[i]?.minK).toBeCloseTo(one[i]?.minK ?? Number.NaN, 5);
    }
  });

  it('runs every model probe end to end and writes records and a report', async () => {
    const items = loadCevalItems({ dataDir: DATA_DIR, split: 'val', subjects: ['computer_network'] }).slice(0, 4);
    const runDir = mkdtempSync(join(tmpdir(), 'gnomon-contamination-engine-'));
    const referenceDir = join(runDir, 'ref');
    mkdirSync(referenceDir);
    const reference = items.map((item) => ({ ...item, key: `fresh-${item.row}`, subject: 'fresh', question: `${item.question}（改写）` }));
    await runContamination({
      benchmark: items, reference, probes: ['likelihood', 'option_order'], corpus: [], corpusField: 'text',
      rules: DEFAULT_NGRAM_RULES, minKPercent: 20, orders: 6, seed: 'engine', batchSize: 2,
    }, runDir, { openModel: async () => model, log: () => undefined });
    const records = readJsonl<ContaminationRecord>(join(runDir, 'records.jsonl'));
    expect(records).toHaveLength(16);
    for (const r of records) {
      if (r.probe === 'likelihood') expect(Number.isFinite(r.likelihood?.meanNll)).toBe(true);
      if (r.probe === 'option_order') expect(r.option_order?.orders).toBe(6);
    }
    const { summary } = writeContaminationReport(runDir, ['engine run']);
    expect(summary.likelihood.map((m) => m.auroc?.n1)).toEqual([4, 4, 4]);
    expect(summary.optionOrder.map((o) => o.items)).toEqual([4, 4]);
  });
});
