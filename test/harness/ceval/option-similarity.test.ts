/**
 * OpenCompass's OptionSimAccEvaluator (custom gen runs), reproduced: every (reply, options) case of
 * test/data/opencompass/option-sim-*.json gives what OpenCompass's own match_any_label and
 * first_option_postprocess returned for it (0.2.4 and main, which differ on some replies).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChoiceLetter } from '../../../harness/ceval/dataset.js';
import { editDistance, optionSimilarity, pythonRegex } from '../../../harness/ceval/opencompass/option-similarity.js';
import type { OpenCompassVersion } from '../../../harness/ceval/opencompass/render.js';

interface Case { readonly reply: string; readonly item: Record<ChoiceLetter, string>; readonly parsed: string }
const load = (file: string): Case[] => JSON.parse(readFileSync(join(import.meta.dirname, '../../data/opencompass', file), 'utf8')) as Case[];

describe('OptionSimAccEvaluator', () => {
  for (const [version, file] of [['opencompass-0.2.4', 'option-sim-0.2.4.json'], ['opencompass', 'option-sim-current.json']] as const) {
    it(`${version}: equals OpenCompass's match_any_label on every case`, () => {
      const cases = load(file);
      expect(cases.length).toBeGreaterThan(100);
      for (const c of cases) expect(optionSimilarity(c.reply, c.item, version as OpenCompassVersion), `${JSON.stringify(c.reply)} / ${c.item.A}`).toBe(c.parsed);
    });
  }

  it('translates Python $ (also before a final newline) and (?i)', () => {
    expect(pythonRegex('因此C[.]?$').test('因此C.\n')).toBe(true);
    expect(pythonRegex('因此C[.]?$').test('因此C.\n\n')).toBe(false);
    expect(pythonRegex('[.$]').test('$')).toBe(true);
    expect(pythonRegex('(?i)ANSWER').test('answer')).toBe(true);
  });

  it('edit distance over code points', () => {
    expect(editDistance('传输层', '网络层')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('😀a', 'a')).toBe(1);
  });
});
