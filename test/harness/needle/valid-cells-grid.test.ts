/**
 * Issue 15's grid: every cell of 256..8k × 11 depths × {en, zh, a real English file} × every task,
 * planned with the fixture's real byte-level BPE tokenizer (and its chat template), either holds a
 * real haystack (at least half the prompt) with every needle within 1 point of its target depth —
 * or is flagged — or its length is refused before the sweep with a smallest length that does work.
 * No model runs: planning is where cells go wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { UserError } from '../../../engine/language-model.js';
import { loadHaystack } from '../../../harness/needle/haystack.js';
import { HaystackTokens } from '../../../harness/needle/haystack-tokens.js';
import { checkLengths } from '../../../harness/needle/length-check.js';
import { DEPTH_TOLERANCE } from '../../../harness/needle/needle-placement.js';
import { MIN_HAYSTACK_SHARE, planCell, type PlanOptions } from '../../../harness/needle/plan-cell.js';
import type { TaskOptions } from '../../../harness/needle/tasks.js';
import { fixtureDir, makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const LENGTHS = [256, 512, 1024, 2048, 4096, 8192];
const DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const TASKS: readonly (TaskOptions & { reserve: number })[] = [
  { kind: 'single', needles: 1, distractors: 0, spacing: 10, reserve: 32 },
  { kind: 'multi-retrieval', needles: 3, distractors: 0, spacing: 10, reserve: 52 },
  { kind: 'multi-reasoning', needles: 3, distractors: 0, spacing: 10, reserve: 32 },
  { kind: 'multi-key', needles: 1, distractors: 3, spacing: 10, reserve: 32 },
];

function essayFile(): string {
  const dir = makeTempFolder('gnomon-needle-file-');
  const file = join(dir, 'essays.txt');
  const essays = ['addiction.txt', 'aord.txt', 'apple.txt', 'avg.txt', 'before.txt'];
  writeFileSync(file, essays.map((name) => readFileSync(join(BENCHMARKS_DIR, 'needlebench/PaulGrahamEssays_txt', name), 'utf8')).join('\n\n'));
  return file;
}

describe('valid cells over the whole grid (fixture BPE tokenizer, chat template)', () => {
  it.each(['en', 'zh', 'file'] as const)('%s haystack: every cell has a real haystack and its needles within tolerance or flagged', async (which) => {
    const tokenizer = await loadTokenizer(fixtureDir('tiny-fp32'));
    const haystack = loadHaystack(which === 'file' ? essayFile() : which);
    const tokens = new HaystackTokens(haystack, tokenizer);
    let planned = 0;
    let tokenPlaced = 0;
    for (const task of TASKS) {
      const options: PlanOptions = { task, answerReserve: task.reserve, globalSeed: `grid-${which}` };
      let lengths = LENGTHS;
      try {
        await checkLengths(LENGTHS, DEPTHS, tokens, tokenizer, options);
      } catch (error) {
        // Refused up front: the refusal names a smallest length, and that length plans a real haystack.
        expect(error).toBeInstanceOf(UserError);
        const smallest = Number(/smallest length that works with these settings is (\d+)/.exec((error as UserError).hint)?.[1]);
        expect(smallest, (error as Error).message).toBeGreaterThan(0);
        await checkLengths([smallest], DEPTHS, tokens, tokenizer, options);
        lengths = [smallest, ...LENGTHS.filter((length) => length > smallest)];
        expect(LENGTHS.filter((length) => length < smallest).every((length) => (error as Error).message.includes(String(length)))).toBe(true);
      }
      for (const lengthTarget of lengths) {
        for (const depthTarget of DEPTHS) {
          const plan = await planCell({ lengthTarget, depthTarget, repeat: 0 }, tokens, tokenizer, options);
          planned += 1;
          const where = `${which} ${task.kind} ${lengthTarget}@${depthTarget}`;
          expect(plan.haystackSentences, where).toBeGreaterThan(0);
          expect(plan.haystackTokens, where).toBeGreaterThanOrEqual(lengthTarget * MIN_HAYSTACK_SHARE);
          expect(plan.lengthActual, where).toBeLessThanOrEqual(lengthTarget);
          const missed = plan.placements.filter((fact) => Math.abs(fact.depthActual - fact.depthTarget) > DEPTH_TOLERANCE);
          expect(plan.depthFlagged, where).toBe(missed.length > 0);
          // A flag is for haystacks too small to place a needle within a point; none of these are.
          expect(missed, where).toEqual([]);
          for (const fact of plan.placements) {
            expect(plan.promptText.split(fact.text), `${where}: ${fact.text}`).toHaveLength(2);
            if (fact.method === 'token') tokenPlaced += 1;
          }
        }
      }
    }
    expect(planned).toBeGreaterThan(200);
    // Short prompts need token-position insertion somewhere; the grid exercises both methods.
    expect(tokenPlaced).toBeGreaterThan(0);
  }, 120_000);
});
