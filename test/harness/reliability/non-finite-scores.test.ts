// Issue 17 item 1 (run time): a checkpoint whose weights are finite (so the load-time check passes)
// but overflow f32 arithmetic gives NaN/Inf log-probs on the real engine. Every runner turns them
// into error records — ceval ppl and gen, both likelihood probes, the option-order probe, needle
// cells — and never a scored answer (before: argmax picked "A" and the run reported an accuracy).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { scoreTexts } from '../../../harness/contamination/likelihood-probes.js';
import { probeOptionOrder } from '../../../harness/contamination/option-order.js';
import { loadHaystack } from '../../../harness/needle/haystack.js';
import { runNeedleSweep } from '../../../harness/needle/run-sweep.js';
import { readJsonl } from '../../../harness/records.js';
import { removeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';
import { fillF32Tensor } from '../../helpers/safetensors-surgery.js';

let dir = '';
let model: LanguageModel;
beforeAll(async () => {
  dir = writableFixtureCopy('tiny-fp32');
  // 3e38 is finite; 64 products of it summed in a logit are not.
  fillF32Tensor(join(dir, 'model.safetensors'), 'output.weight', 3e38);
  model = await loadModel(dir);
}, 60_000);
afterAll(async () => {
  await model?.dispose();
  removeTempFolder(join(dir, '..'));
});

function questionFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'gnomon-nonfinite-'));
  const file = join(folder, 'quiz.csv');
  writeFileSync(file, 'question,A,B,C,D,answer\nhello world?,a,b,c,d,B\nthe cat sat?,x,y,z,w,C\n');
  return file;
}

describe('non-finite scores at run time', () => {
  for (const mode of ['ppl', 'gen'] as const) {
    it(`ceval ${mode}: every question is a model-error record, none scored`, async () => {
      const file = questionFile();
      const result = await runCevalEvaluation(model, {
        settings: { preset: 'ceval', custom: file, dataDir: '.', split: 'val', chat: 'off', mode, maxOutLen: 4, batchSize: 2 },
        outDir: join(file, '..', 'runs'), command: 'test',
      });
      const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
      expect(records).toHaveLength(2);
      for (const record of records) {
        expect(record.status).toBe('skipped');
        expect(record.correct).toBeNull();
        expect(record.extracted).toBeNull();
        expect(record.skip_reason).toMatch(mode === 'ppl' ? /^model error: non-finite log-probability for A, B, C, D/ : /^model error: generation \(prefill, log-sum-exp (NaN|-?Infinity)\): the model produced non-finite logits/);
      }
      expect(result.summary.scored).toBe(0);
    });
  }

  it('likelihood probes: the item is unscored with a model-error reason, in no mean', async () => {
    const reasons: (string | undefined)[] = [];
    const scores = await scoreTexts(model, ['hello world', 'the cat sat on the mat'], { kPercent: 20, batchSize: 2, onScored: (_i, _s, reason) => reasons.push(reason) });
    expect(scores).toEqual([null, null]);
    for (const reason of reasons) expect(reason).toMatch(/^model error: non-finite log-probability \((NaN|-?Infinity)\) at token 0$/);
  });

  it('option-order probe: the item is unscored with a model-error reason', async () => {
    const result = await probeOptionOrder(model, { key: 'q-0', id: '0', subject: 'q', row: 0, question: 'hello?', choices: { A: 'a', B: 'b', C: 'c', D: 'd' }, answer: 'A' }, 6, 'seed');
    expect(result).toEqual({ unscoredReason: expect.stringMatching(/^model error: non-finite log-probability/) as unknown as string });
  });

  it('needle: the cell is an error record, not a score of 0', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gnomon-nonfinite-needle-'));
    const { records } = await runNeedleSweep(model, {
      grid: { lengths: [256], depths: [50], repeats: 1 }, haystack: loadHaystack('en'),
      plan: { task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerReserve: 8, globalSeed: '1' },
      recordsFile: join(folder, 'records.jsonl'),
    });
    expect(records).toHaveLength(1);
    expect(records[0]?.status).toBe('error');
    expect(records[0]?.score).toBeNull();
    expect(records[0]?.error).toMatch(/NonFiniteScoreError: generation \(prefill, log-sum-exp (NaN|-?Infinity)\): the model produced non-finite logits/);
  });
});
