import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import compareCommand from '../../../harness/commands/compare.js';
import { runNeedle, type NeedleSettings } from '../../../harness/needle/needle-run.js';
import { FixedWindowModel, OracleNeedleModel } from '../../../bench/scripted-needle-models.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';
import { openReport } from '../../helpers/browser.js';
import { makeTempFolder } from '../../helpers/internlm2-fixtures.js';

const settings: NeedleSettings = {
  grid: { lengths: [256, 512], depths: [0, 100], repeats: 1 }, seed: '0', haystack: 'en',
  task: { kind: 'single', needles: 3, distractors: 3, spacing: 10 }, answerTokens: 32, threshold: 0.85,
};

describe('harness compare on two needle runs', () => {
  it('draws both heatmaps and their difference, and tests the paired cells', async () => {
    const out = makeTempFolder('gnomon-compare-needle-');
    // A reads the whole prompt; B sees only its last 80 tokens, so it misses needles at depth 0.
    const a = await runNeedle(new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) }), { settings, outDir: join(out, 'a'), argv: 'test' });
    const b = await runNeedle(new FixedWindowModel({ tokenizer: new WordTokenizer({ chat: true }), window: 80 }), { settings, outDir: join(out, 'b'), argv: 'test' });
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
    try {
      await yargs(['compare', a.dir, b.dir, '--out', join(out, 'c')]).command(compareCommand).strict().fail((m, e) => { throw e ?? new Error(m); }).parseAsync();
    } finally {
      process.stdout.write = write;
    }
    // Scores: A 1 everywhere; B 0 at depth 0 and 1 at depth 100, so each length is 100 vs 50.
    expect(printed).toMatch(/\n256 +100\.00 +50\.00 +-50\.00 +1 \(1\/0\) /);
    // Over all four cells: b = 2 (right in A only), c = 0 → exact two-sided p = 2 · (1/2)^2 = 0.5.
    expect(printed).toMatch(/\nall cells +100\.00 +50\.00 +-50\.00 +0\.5 \(2\/0\) /);
    expect(printed).toContain('  model.name: A="oracle"  B="window-80"');

    const [folder = ''] = readdirSync(join(out, 'c'));
    const report = await openReport(join(out, 'c', folder, 'report.html'));
    try {
      expect(await report.page.locator('svg.needle-heatmap').count()).toBe(2);
      const deltas = await report.page.locator('svg.needle-difference rect.difference-cell').evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-length')}/${c.getAttribute('data-depth')}:${c.getAttribute('data-delta')}`));
      expect(deltas.sort()).toEqual(['256/0:-1', '256/100:0', '512/0:-1', '512/100:0']);
      expect(await report.page.locator('table.differs').textContent()).toContain('window-80');
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
  }, 120_000);
});
