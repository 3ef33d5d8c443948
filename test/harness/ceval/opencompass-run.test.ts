/**
 * Whole `--compat` runs on a scripted model over the real C-Eval files: records say which compat and
 * extractor produced them, the version column carries each subject's OpenCompass hash, and
 * `--report RUN --extract first-capital|gnomon` rescores a finished gen run without the model.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCevalEvaluation, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { readJsonl } from '../../../harness/records.js';
import { writeCevalReport } from '../../../reports/ceval/write-report.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, temporaryDirectory } from './ceval-data-fixture.js';

const CUSTOM_FILE = join(import.meta.dirname, '../../data/opencompass/custom-sample.csv');

const settings = (overrides: Partial<CevalSettings>): CevalSettings => ({
  preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'operating_system'], limit: 4, chat: 'off', mode: 'gen',
  maxOutLen: 16, batchSize: 4, compat: 'opencompass-0.2.4', ...overrides,
});

describe('--compat runs', () => {
  it('gen: first-capital by default, OpenCompass versions per subject, and --report --extract rescoring both ways', async () => {
    // Every reply names C in a way the two extractors read differently ("Answer: C" → first capital A).
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }), reply: () => 'Answer: C' });
    const result = await runCevalEvaluation(model, { settings: settings({}), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(records).toHaveLength(8);
    for (const record of records) {
      expect(record).toMatchObject({ compat: 'opencompass-0.2.4', extractor: 'first-capital', prediction: 'A', extracted: 'A', shots: 5, correct: record.target === 'A' });
    }
    expect(result.info).toMatchObject({ compat: 'opencompass-0.2.4', maxSeqLen: 2048, extractor: 'first-capital', subjectVersions: { computer_network: 'db9ce2', operating_system: '1c2571' } });
    expect(result.text).toMatch(/\nceval-computer_network\s+db9ce2\s+accuracy\s+gen\s/);
    expect(result.text).toMatch(/\nceval-operating_system\s+1c2571\s+accuracy\s+gen\s/);
    expect(result.text).toContain('Prompts and scoring reproduce opencompass-0.2.4');
    expect(result.text).toContain('first-capital extractor (OpenCompass first_capital_postprocess)');

    const answerC = records.filter((r) => r.target === 'C').length;
    const answerA = records.filter((r) => r.target === 'A').length;
    expect(answerA).not.toBe(answerC);
    expect(result.summary.correct).toBe(answerA);
    const gnomon = writeCevalReport(result.runDir, { extractor: 'gnomon' });
    expect(gnomon.summary.correct).toBe(answerC);
    expect(gnomon.files).toContain(join(result.runDir, 'summary-gnomon.txt'));
    expect(gnomon.text).toContain('Answers read with the gnomon extractor.');
    const capital = writeCevalReport(result.runDir, { extractor: 'first-capital' });
    expect(capital.summary.correct).toBe(answerA);
    // The run's own files and records are untouched by rescoring.
    expect(readFileSync(join(result.runDir, 'summary.txt'), 'utf8')).toBe(result.text);
    expect(readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'))).toEqual(records);
    expect(existsSync(join(result.runDir, 'report-first-capital.html'))).toBe(true);
  });

  it('ppl: whole-sequence scores, ceval_ppl versions, and --extract refused for a ppl run', async () => {
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }) });
    const result = await runCevalEvaluation(model, { settings: settings({ mode: 'ppl', limit: 2 }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(records.every((r) => r.compat === 'opencompass-0.2.4' && r.status === 'ok')).toBe(true);
    // Uniform scripted log-probs: every option ties and OpenCompass takes the first (A).
    expect(records.every((r) => r.extracted === 'A')).toBe(true);
    expect(result.info.subjectVersions?.computer_network).toBe('9b9417');
    expect(() => writeCevalReport(result.runDir, { extractor: 'gnomon' })).toThrow(/only gen runs read letters/);
  });

  it('refuses --max-seq-len without --compat, and ppl with a chat model under current OpenCompass', async () => {
    const model = new ScriptedModel();
    await expect(runCevalEvaluation(model, { settings: settings({ compat: 'gnomon', maxSeqLen: 1024 }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' }))
      .rejects.toThrow(/--max-seq-len: only meaningful with --compat/);
    await expect(runCevalEvaluation(model, { settings: settings({ compat: 'opencompass', mode: 'ppl', chat: 'on' }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' }))
      .rejects.toThrow(/has no ppl scoring/);
    await expect(runCevalEvaluation(model, { settings: settings({ custom: CUSTOM_FILE, shots: 2 }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' }))
      .rejects.toThrow(/OpenCompass runs custom files zero-shot/);
    await expect(runCevalEvaluation(model, { settings: settings({ compat: 'gnomon', extract: 'option-sim' }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' }))
      .rejects.toThrow(/--extract option-sim: OpenCompass's option-similarity rules need --compat/);
  });

  it('custom gen: OpenCompass\'s OptionSimAccEvaluator reads the replies, and --report --extract option-sim rescores from the records', async () => {
    // Row 0: "传输层" names option A's text; row 1: "4" is option C's text; row 2: "The answer is (B)".
    const replies = ['应该是传输层吧', '4', 'The answer is (B)'];
    let call = 0;
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }), reply: () => replies[call++ % 3] ?? '' });
    const result = await runCevalEvaluation(model, { settings: settings({ custom: CUSTOM_FILE, subjects: undefined, limit: undefined, batchSize: 1 }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(records.map((r) => [r.extractor, r.prediction, r.correct])).toEqual([['option-sim', 'A', true], ['option-sim', 'C', true], ['option-sim', 'B', true]]);
    expect(result.info.subjectVersions).toEqual({ 'custom-sample': 'd890be' });
    expect(writeCevalReport(result.runDir, { extractor: 'first-capital' }).summary.correct).toBe(0);
    expect(writeCevalReport(result.runDir, { extractor: 'option-sim' }).summary.correct).toBe(3);
  });

  it('a killed --compat run resumes with its saved compat settings', async () => {
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }), reply: () => '答案是 C' });
    const first = await runCevalEvaluation(model, { settings: settings({ maxSeqLen: 1500 }), outDir: temporaryDirectory('gnomon-oc-run-'), command: 'test' });
    const file = join(first.runDir, 'records.jsonl');
    const all = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    writeFileSync(file, `${all.slice(0, 3).join('\n')}\n`);
    const resumed = await runCevalEvaluation(model, { settings: settings({ compat: 'gnomon' }), outDir: temporaryDirectory('gnomon-oc-run-'), resumeDir: first.runDir, command: 'test' });
    const records = readJsonl<CevalRecord>(file);
    expect(records).toHaveLength(8);
    expect(records.every((r) => r.compat === 'opencompass-0.2.4' && r.extractor === 'first-capital' && r.prediction === 'C')).toBe(true);
    expect(resumed.info.maxSeqLen).toBe(1500);
  });
});
