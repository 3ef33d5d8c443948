/**
 * Cell validity over a whole grid, for a tokenizer: which lengths `harness needle` refuses (and the
 * smallest it suggests), how many needles needed a token-position insertion, how many cells are
 * flagged, the worst depth miss, the least haystack share and the largest gap between a cell's
 * length and its target. No model runs. Beside them, the naive baseline — the nearest sentence
 * boundary only, as the planner placed needles before token-position insertion — over the same
 * haystack windows: its worst depth miss and how many cells it would have put more than 1 point off.
 *
 *   npx tsc -p . && node dist/bench/needle-cell-validity.js [--tokenizer DIR] [--lengths 256,512,1k,2k,4k,8k]
 *
 * DIR holds tokenizer.json (default: the tiny-fp32 fixture's byte-level BPE in ../shared).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../engine/tokenizer/tokenizer.js';
import { parseLengths } from '../harness/needle/grid.js';
import { loadHaystack } from '../harness/needle/haystack.js';
import { HaystackTokens } from '../harness/needle/haystack-tokens.js';
import { checkLengths } from '../harness/needle/length-check.js';
import { chooseBoundaries, planCell, type PlanOptions } from '../harness/needle/plan-cell.js';
import { UserError } from '../engine/language-model.js';

const { values } = parseArgs({ options: { tokenizer: { type: 'string' }, lengths: { type: 'string', default: '256,512,1k,2k,4k,8k' } } });
const shared = process.env.GNOMON_SHARED_DIR ?? join(import.meta.dirname, '../../../shared');
const tokenizer = await loadTokenizer(values.tokenizer ?? join(shared, 'fixtures/internlm2/tiny-fp32'));
const lengths = parseLengths(values.lengths ?? '');
const depths = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const tasks = [['single', 32], ['multi-retrieval', 52], ['multi-reasoning', 32], ['multi-key', 32]] as const;

for (const haystack of ['en', 'zh'] as const) {
  const tokens = new HaystackTokens(loadHaystack(haystack), tokenizer);
  for (const [kind, reserve] of tasks) {
    const options: PlanOptions = { task: { kind, needles: 3, distractors: 3, spacing: 10 }, answerReserve: reserve, globalSeed: 'validity' };
    let planned = lengths;
    let refused = 'no length refused';
    try {
      await checkLengths(lengths, depths, tokens, tokenizer, options);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const smallest = Number(/is (\d+) tokens/.exec(error.hint)?.[1]);
      refused = `${error.message.split(':')[0]} refused, smallest ${smallest}`;
      planned = [smallest, ...lengths.filter((length) => length > smallest)];
    }
    let cells = 0;
    let tokenPlaced = 0;
    let flagged = 0;
    let worstMiss = 0;
    let leastShare = 1;
    let largestGap = 0;
    let naiveWorst = 0;
    let naiveOff = 0;
    for (const lengthTarget of planned) {
      for (const depthTarget of depths) {
        const plan = await planCell({ lengthTarget, depthTarget, repeat: 0 }, tokens, tokenizer, options);
        cells += 1;
        if (plan.depthFlagged) flagged += 1;
        for (const fact of plan.placements) {
          if (fact.method === 'token') tokenPlaced += 1;
          worstMiss = Math.max(worstMiss, Math.abs(fact.depthActual - fact.depthTarget));
        }
        leastShare = Math.min(leastShare, plan.haystackTokens / lengthTarget);
        largestGap = Math.max(largestGap, lengthTarget - plan.lengthActual);
        // Baseline: the same whole sentences, needles on the nearest boundary only.
        const counts: number[] = [];
        for (let i = 0; i < plan.haystackSentences - 1; i += 1) counts.push(await tokens.count(plan.haystackStart + i));
        const naive = chooseBoundaries(counts, plan.placements.map((fact) => fact.depthTarget)).map((b, i) => Math.abs(b.depthActual - (plan.placements[i]?.depthTarget ?? 0)));
        naiveWorst = Math.max(naiveWorst, ...naive);
        if (naive.some((miss) => miss > 1)) naiveOff += 1;
      }
    }
    process.stdout.write(`${haystack} ${kind.padEnd(15)} ${refused.padEnd(48)} cells ${cells}, token-placed needles ${tokenPlaced}, flagged ${flagged}, worst depth miss ${worstMiss.toFixed(2)} pt, least haystack share ${leastShare.toFixed(2)}, largest length gap ${largestGap} | baseline (sentence boundaries only): worst miss ${naiveWorst.toFixed(2)} pt, ${naiveOff} cells > 1 pt off\n`);
  }
}
