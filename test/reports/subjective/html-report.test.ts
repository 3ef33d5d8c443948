import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRunInfo } from '../../../harness/records.js';
import { SUBJECTIVE_RUN_SCHEMA, type SubjectiveRunInfo } from '../../../harness/subjective/run-info.js';
import { writeSubjectiveReport } from '../../../reports/subjective/write-report.js';
import { openReport } from '../../helpers/browser.js';
import { pairRecord, scoreRecord } from '../../harness/subjective/records-fixture.js';

const INFO: SubjectiveRunInfo = {
  schema: SUBJECTIVE_RUN_SCHEMA, command: 'subjective --mode pairwise (test)', started: '2026-12-06T06:00:00.000Z', preset: 'mtbench', mode: 'pairwise',
  questionSource: 'test', questions: 3,
  judge: { name: 'judge', checkpointHash: 'abc', device: 'scripted', contextLength: 4096, source: 'scripted' }, answerModel: null,
  sources: [{ model: 'cand', source: 'cand.jsonl' }, { model: 'base', source: 'base.jsonl' }], baseline: 'base',
  settings: { preset: 'mtbench', mode: 'pairwise', dataDir: 'data', answers: ['cand.jsonl'], baseline: 'base.jsonl', orders: ['AB', 'BA'], repeats: 1, judgeMaxOutLen: 64, maxOutLen: 64, batchSize: 1, bootstrap: 50, seed: 0 },
};

describe('subjective report.html in headless Chromium', () => {
  it('shows the tables, filters judgements, and drills down to both answers side by side with the judge reply', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'gnomon-subjective-html-'));
    writeRunInfo(runDir, INFO);
    const answers = { cand: 'candidate says <script>alert(1)</script>', base: 'baseline says hi' };
    const records = [
      pairRecord('cand', 'base', '1', 'AB', 'A', 'writing', answers), pairRecord('cand', 'base', '1', 'BA', 'B', 'writing', answers),
      pairRecord('cand', 'base', '2', 'AB', 'A', 'math', answers), pairRecord('cand', 'base', '2', 'BA', 'A', 'math', answers),
      pairRecord('cand', 'base', '3', 'AB', 'parse_failure', 'math', answers), pairRecord('cand', 'base', '3', 'BA', 'tie', 'math', answers),
    ];
    writeFileSync(join(runDir, 'records.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const written = writeSubjectiveReport(runDir);
    expect(written.text).toContain('Pairwise results (judge judge, baseline base)');
    const report = await openReport(join(runDir, 'report.html'));
    try {
      const { page } = report;
      const visible = () => page.locator('#judgement-table tr.judgement-row').count();
      expect(await visible()).toBe(6);
      expect(await page.textContent('#shown-count')).toBe('6 of 6 judgements shown');
      const summaryText = await page.textContent('#summary');
      expect(summaryText).toContain('Win rate (tie ½) by category');
      expect(await page.textContent('#diagnostics')).toContain('1/2 (50.0%)');

      await page.selectOption('#filter-category', 'math');
      expect(await visible()).toBe(4);
      await page.selectOption('#filter-status', 'parse_failure');
      expect(await visible()).toBe(1);
      await page.selectOption('#filter-category', '');
      await page.selectOption('#filter-status', '');
      await page.fill('#filter-text', 'question 2');
      expect(await visible()).toBe(2);
      await page.fill('#filter-text', '');

      // Drill down: the BA judgement of question 1 shows the baseline as A and the candidate as B.
      await page.locator('#judgement-table tr.judgement-row').nth(1).click();
      const drill = page.locator('#judgement-table tr.detail-row');
      expect(await drill.locator('.answer .label').first().textContent()).toBe('Assistant A: base');
      expect(await drill.locator('.answer-text').allTextContents()).toEqual(['baseline says hi', 'candidate says <script>alert(1)</script>']);
      expect(await drill.locator('.judge-reply').textContent()).toBe('[[B]]');
      expect(await drill.locator('p.ok').textContent()).toBe('Verdict: B (cand)');
      const box = await drill.locator('.answers').boundingBox();
      const [left, right] = await Promise.all([drill.locator('.answer').nth(0).boundingBox(), drill.locator('.answer').nth(1).boundingBox()]);
      expect(box && left && right && right.x > left.x + left.width - 1 && Math.abs(right.y - left.y) < 1).toBe(true);

      const shot = join(runDir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  it('score mode (AlignBench): capability and dimension tables, one answer in the drill-down', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'gnomon-subjective-html-score-'));
    writeRunInfo(runDir, { ...INFO, preset: 'alignbench', mode: 'score', baseline: null, sources: [{ model: 'm', source: 'm.jsonl' }], settings: { ...INFO.settings, preset: 'alignbench', mode: 'score' } });
    const records = [
      scoreRecord('m', '1', '专业能力', 1, { score: 7, dimensions: { 事实正确性: 8, 综合得分: 7 } }, 'alignbench'),
      scoreRecord('m', '2', '数学计算', 1, 'parse_failure', 'alignbench'),
    ];
    writeFileSync(join(runDir, 'records.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    writeSubjectiveReport(runDir);
    const report = await openReport(join(runDir, 'report.html'));
    try {
      const { page } = report;
      expect(await page.textContent('#summary')).toContain('AlignBench dimension scores');
      expect(await page.locator('#summary table').first().locator('th').allTextContents()).toEqual(
        ['模型', '总分', '95% CI', '中文推理', '数学计算', '逻辑推理', '中文语言', '基本任务', '中文理解', '综合问答', '文本写作', '角色扮演', '专业能力', 'n', 'parse failures', 'skipped']);
      await page.locator('#judgement-table tr.judgement-row').nth(1).click();
      const drill = page.locator('#judgement-table tr.detail-row');
      expect(await drill.locator('.answer .label').first().textContent()).toBe('Answer: m');
      expect(await drill.locator('p.bad').textContent()).toBe('Verdict: unreadable — no [[rating]] (nor [rating]) in the reply');
      expect(report.errors).toEqual([]);
    } finally {
      await report.close();
    }
  });
});
