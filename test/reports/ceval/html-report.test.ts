import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRunInfo } from '../../../harness/records.js';
import { writeCevalReport } from '../../../reports/ceval/write-report.js';
import { openReport } from '../../helpers/browser.js';
import { temporaryDirectory } from '../../harness/ceval/ceval-data-fixture.js';
import { RECORDS, RUN_INFO } from './tables.test.js';

describe('C-Eval HTML report in headless Chromium', () => {
  it('loads without errors or network, filters the question browser, and expands a prompt', async () => {
    const runDir = join(temporaryDirectory('gnomon-ceval-html-'), 'run');
    mkdirSync(runDir);
    writeRunInfo(runDir, RUN_INFO);
    writeFileSync(join(runDir, 'records.jsonl'), RECORDS.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const written = writeCevalReport(runDir);
    const html = join(runDir, 'report.html');
    expect(written.files).toContain(html);

    const report = await openReport(html);
    try {
      const { page } = report;
      const visible = () => page.locator('#question-table tr.question-row:visible').count();
      expect(await visible()).toBe(16 + 1);
      expect(await page.textContent('#shown-count')).toBe('17 of 17 questions shown');
      expect(await page.locator('svg .error-bar').count()).toBe(3);

      await page.selectOption('#filter-subject', 'computer_network');
      expect(await visible()).toBe(10);
      await page.selectOption('#filter-outcome', 'correct');
      expect(await visible()).toBe(4);
      await page.selectOption('#filter-outcome', 'no-answer');
      expect(await visible()).toBe(1);
      await page.selectOption('#filter-outcome', 'skipped');
      expect(await visible()).toBe(1);
      await page.selectOption('#filter-subject', '');
      await page.selectOption('#filter-outcome', 'wrong');
      expect(await visible()).toBe(4 + 3 + 1);
      await page.selectOption('#filter-outcome', '');
      await page.fill('#filter-text', '问题 2 ');
      expect(await visible()).toBe(3);
      expect(await page.textContent('#shown-count')).toBe('3 of 17 questions shown');
      await page.fill('#filter-text', '');

      // Clicking a row shows its whole prompt, model text shown as text (the <script> in it is inert).
      await page.locator('#question-table tr.question-row').first().click();
      const prompt = await page.locator('#question-table tr.detail-row pre').first().textContent();
      expect(prompt).toBe('<s>shared few-shot prefix for computer_network\n问题 0 <script>alert(1)</script>');

      const shot = join(runDir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
      process.stdout.write(`screenshot: ${shot}\n`);
    } finally {
      await report.close();
    }
  });
});
