import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { loadHaystack } from '../../../harness/needle/haystack.js';
import { HaystackTokens } from '../../../harness/needle/haystack-tokens.js';
import { planCell } from '../../../harness/needle/plan-cell.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

const FIXTURE = fixtureDir('tiny-fp32');

describe.each(['en', 'zh'] as const)('needle prompts with the fixture byte-level BPE tokenizer (%s)', (language) => {
  it('round-trips without broken characters, holds each needle once, and never exceeds the target', async () => {
    const tokenizer = await loadTokenizer(FIXTURE);
    expect(tokenizer.hasChatTemplate).toBe(true);
    const tokens = new HaystackTokens(loadHaystack(language), tokenizer);
    for (const lengthTarget of [1024, 8192]) {
      for (const depthTarget of [0, 33, 50, 100]) {
        for (const kind of ['single', 'multi-retrieval'] as const) {
          const plan = await planCell({ lengthTarget, depthTarget, repeat: 1 }, tokens, tokenizer, {
            task: { kind, needles: 3, distractors: 0, spacing: 10 }, answerReserve: 32, globalSeed: 'bpe',
          });
          const decoded = await tokenizer.decode(plan.promptIds, false);
          expect(decoded).toBe(plan.promptText);
          expect(decoded).not.toContain('\uFFFD');
          expect(await tokenizer.encode(plan.promptText)).toEqual(plan.promptIds);
          expect(plan.lengthActual).toBe(plan.promptIds.length + 32);
          expect(plan.lengthActual).toBeLessThanOrEqual(lengthTarget);
          // Within a sentence or two of the target: byte-level BPE costs 3 tokens per Chinese character.
          expect(plan.lengthActual).toBeGreaterThan(lengthTarget - 200);
          for (const fact of plan.placements) {
            expect(decoded.split(fact.text)).toHaveLength(2);
            expect(decoded.split(fact.value)).toHaveLength(2);
          }
        }
      }
    }
  });
});
