import { describe, expect, it } from 'vitest';
import { chooseBoundaries, planCell, type CellPlan } from '../../../harness/needle/plan-cell.js';
import { DEPTH_TOLERANCE } from '../../../harness/needle/needle-placement.js';
import { loadHaystack, type Haystack } from '../../../harness/needle/haystack.js';
import { HaystackTokens } from '../../../harness/needle/haystack-tokens.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';
import type { TaskOptions } from '../../../harness/needle/tasks.js';

const single: TaskOptions = { kind: 'single', needles: 1, distractors: 0, spacing: 10 };
const DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** The document part of a rendered prompt (between the template's markers). */
function documentOf(prompt: string): string {
  const start = /Document:\n|文档：\n/.exec(prompt);
  const end = prompt.search(/\n\n(?:Question: |问题：)/);
  if (!start || end < 0) throw new Error('prompt without document markers');
  return prompt.slice(start.index + start[0].length, end);
}

async function planAll(haystack: Haystack, tokenizer: WordTokenizer, lengths: readonly number[], reserve = 16): Promise<CellPlan[]> {
  const tokens = new HaystackTokens(haystack, tokenizer);
  const plans: CellPlan[] = [];
  for (const lengthTarget of lengths) {
    for (const depthTarget of DEPTHS) {
      plans.push(await planCell({ lengthTarget, depthTarget, repeat: 0 }, tokens, tokenizer, { task: single, answerReserve: reserve, globalSeed: 7 }));
    }
  }
  return plans;
}

describe('chooseBoundaries', () => {
  it('picks the nearest sentence boundary in tokens, 0 first and 100 last', () => {
    const counts = [10, 10, 10, 10];
    expect(chooseBoundaries(counts, [0, 24, 26, 50, 100])).toEqual([
      { boundary: 0, depthActual: 0 },
      { boundary: 1, depthActual: 25 },
      { boundary: 1, depthActual: 25 },
      { boundary: 2, depthActual: 50 },
      { boundary: 4, depthActual: 100 },
    ]);
  });
});

describe.each([
  ['en', 'plain'],
  ['en', 'chat'],
  ['zh', 'chat'],
] as const)('placement with a word-level tokenizer (%s haystack, %s prompt)', (language, style) => {
  it('puts the needle on a sentence boundary or at a token position, within 1 point of the target depth, filling the prompt to its length', async () => {
    const haystack = loadHaystack(language);
    const tokenizer = new WordTokenizer({ chat: style === 'chat' });
    const plans = await planAll(haystack, tokenizer, [300, 1000, 4096]);
    const methods = new Set<string>();
    for (const plan of plans) {
      // Length: the recorded length is the re-encoded prompt plus the answer reserve, within the target;
      // the last sentence may be cut short, so the haystack fills the prompt to within a word.
      const reencoded = await tokenizer.encode(plan.promptText);
      const bos = style === 'plain' ? 1 : 0;
      expect(plan.promptTokens).toBe(reencoded.length + bos);
      expect(plan.promptIds).toEqual(style === 'plain' ? [1, ...reencoded] : reencoded);
      expect(plan.lengthActual).toBe(plan.promptTokens + plan.answerReserve);
      expect(plan.lengthActual).toBeLessThanOrEqual(plan.cell.lengthTarget);
      expect(plan.lengthActual).toBeGreaterThanOrEqual(plan.cell.lengthTarget - 2);

      const document = documentOf(plan.promptText);
      const needle = plan.placements[0];
      if (!needle) throw new Error('no needle');
      methods.add(needle.method);
      const at = document.indexOf(needle.text);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(document.indexOf(needle.text, at + 1)).toBe(-1);
      const before = document.slice(0, at);
      const after = document.slice(at + needle.text.length);
      if (needle.method === 'sentence') {
        // On a sentence boundary: the text before ends a sentence and the text after starts one (a needle
        // placed last follows the haystack's last piece, which may be a sentence cut short to fill the length).
        if (before !== '' && after !== '') expect(before).toMatch(language === 'en' ? /[.!?]["')”’]* $/ : /[。！？][”’」』）]*$/);
        if (after !== '') expect(after).toMatch(language === 'en' ? /^\s+\S/ : /^[^。！？]/);
      } else {
        // Inside a sentence; English cuts at a space, so no word is split.
        if (language === 'en') expect(after).toMatch(/^\s/);
      }
      if (plan.cell.depthTarget === 0) expect(before).toBe('');

      // Depth: measured in haystack tokens before the needle (exact with this tokenizer), within 1 point.
      // The space before an English needle belongs to the needle's segment, not to the text before it.
      const beforeTokens = (await tokenizer.encode(before.trimEnd())).length;
      const haystackTokens = (await tokenizer.encode(document)).length - (await tokenizer.encode(needle.text)).length;
      expect(haystackTokens).toBe(plan.haystackTokens);
      expect(Math.abs(needle.depthActual - (100 * beforeTokens) / haystackTokens)).toBeLessThan(0.01);
      expect(Math.abs(needle.depthActual - plan.cell.depthTarget)).toBeLessThanOrEqual(DEPTH_TOLERANCE);
      expect(plan.depthFlagged).toBe(false);
    }
    // 300-token prompts hold a few sentences: some needles need a token position there.
    expect([...methods].sort()).toEqual(['sentence', 'token']);
  });
});

describe('planning cost', () => {
  it('encodes each haystack sentence once per sweep and the whole prompt only a few times per cell', async () => {
    const haystack = loadHaystack('en');
    const tokenizer = new WordTokenizer({ chat: true });
    const plans = await planAll(haystack, tokenizer, [2048, 4096]);
    const sentencesUsed = Math.max(...plans.map((p) => p.haystackStart + p.haystackSentences)) - plans[0]!.haystackStart;
    // Per cell: frame + needle + 1–3 verifying encodes, a binary search over the cut of the last
    // (partial) sentence and, where no boundary is within a point, one over the needle's cut — each
    // encoding a prefix of one sentence (≤ 2·log2(sentence length) ≈ 16 short encodes); plus every sentence once.
    expect(tokenizer.encodeCalls).toBeLessThan(sentencesUsed + 2 + plans.length * (6 + 16));
  });
});
