/**
 * `--compat opencompass-0.2.4 --mode ppl` on the real engine (tiny-fp32 fixture, WebGPU): the letter
 * it picks and its scores equal OpenCompass's rule computed independently — each option's whole
 * sequence scored on its own from bos, mean log-prob over all its tokens (sum over the predicted
 * tokens / token count with bos), lowest loss wins, first option on ties — while the run itself
 * scores the four options with one shared prefix.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { runCevalEvaluation, showPrompt, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import { CHOICE_LETTERS, type ChoiceLetter } from '../../../harness/ceval/dataset.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { readJsonl } from '../../../harness/records.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR, temporaryDirectory } from './ceval-data-fixture.js';

describe('OpenCompass ppl scoring on the real engine', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadModel(fixtureDir('tiny-fp32'));
  });
  afterAll(async () => {
    await model?.dispose();
  });

  for (const chat of ['on', 'off'] as const) {
    it(`chat ${chat}: the ranking equals the whole-sequence mean loss of each option scored separately`, async () => {
      const settings: CevalSettings = {
        preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network'], limit: 3, chat, mode: 'ppl',
        maxOutLen: 16, batchSize: 2, compat: 'opencompass-0.2.4', maxSeqLen: 800,
      };
      const result = await runCevalEvaluation(model, { settings, outDir: temporaryDirectory('gnomon-oc-ppl-'), command: 'test' });
      const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
      expect(records).toHaveLength(3);
      // The byte-level tiny tokenizer makes five C-Eval shots far longer than 800 tokens: shots were dropped.
      expect(records.every((r) => r.status === 'ok' && r.compat === 'opencompass-0.2.4' && (r.shots ?? 5) < 5)).toBe(true);
      expect(result.text).toContain('3 questions ran with fewer than 5 shots');
      for (const record of records) {
        const shown = await showPrompt(model, settings, `${record.subject}:${record.row}`);
        expect(shown.shots).toBe(record.shots);
        const separate: Record<ChoiceLetter, number> = { A: 0, B: 0, C: 0, D: 0 };
        for (const letter of CHOICE_LETTERS) {
          const text = shown.prompt + (shown.scored?.[letter] ?? '');
          const ids = [model.tokenizer.bosId as number, ...(await model.tokenizer.encode(text.replace(/^<s>/, '')))];
          expect(ids.length).toBeLessThanOrEqual(800);
          const [full] = await model.scoreContinuations([ids[0] as number], [ids.slice(1)]);
          separate[letter] = (full?.sumLogprob ?? Number.NaN) / ids.length;
        }
        let best: ChoiceLetter = 'A';
        for (const letter of CHOICE_LETTERS) if (separate[letter] > separate[best]) best = letter;
        expect(record.extracted, `${record.subject}:${record.row}`).toBe(best);
        for (const letter of CHOICE_LETTERS) expect(record.choices?.[letter]).toBeCloseTo(separate[letter], 6);
      }
    }, 300_000);
  }
});
