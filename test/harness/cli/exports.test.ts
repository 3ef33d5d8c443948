/**
 * Exports a spreadsheet or pandas reads as numbers: questions.csv per ceval run (one row per
 * question, per-letter scores), and needle CSVs whose numeric columns hold numbers or nothing, with
 * the reason in a status column. Real runs on the tiny checkpoint, parsed with csv-parse.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../../helpers/cli-process.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

let work: string;
beforeAll(() => {
  cliPath();
  work = mkdtempSync(join(tmpdir(), 'gnomon-exports-'));
  writeFileSync(join(work, 'quiz.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n2+2=?,4,5,6,7,A\n"3+3=?, said ""he""",6,7,8,9,A\n');
}, 120_000);

function runFolder(stdout: string, file: string): string {
  const match = new RegExp(`wrote (\\S+)/${file.replace('.', '\\.')}$`, 'm').exec(stdout);
  if (!match?.[1]) throw new Error(`no ${file} in:\n${stdout}`);
  return match[1];
}

function isNumberOrEmpty(cell: string): boolean {
  return cell === '' || Number.isFinite(Number(cell));
}

describe('exports', () => {
  it('ceval writes questions.csv: one row per question, scores as numbers', () => {
    const result = runCli(['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--custom', join(work, 'quiz.csv'), '--name', 'quiz', '--out', join(work, 'runs')]);
    expect(result.status, result.stderr).toBe(0);
    const dir = runFolder(result.stdout, 'questions.csv');
    const rows = parse(readFileSync(join(dir, 'questions.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0] ?? {})).toEqual(['subject', 'id', 'row', 'target', 'extracted', 'correct', 'score_A', 'score_B', 'score_C', 'score_D', 'prompt_tokens', 'output', 'status', 'skip_reason']);
    expect(rows.map((row) => row.target)).toEqual(['B', 'A', 'A']);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      for (const letter of ['A', 'B', 'C', 'D']) expect(Number(row[`score_${letter}`])).toBeLessThan(0);
      // The extracted letter is the best-scored one; correct is 1 exactly when it is the target.
      const best = ['A', 'B', 'C', 'D'].reduce((a, b) => (Number(row[`score_${b}`]) > Number(row[`score_${a}`]) ? b : a));
      expect(row.extracted).toBe(best);
      expect(row.correct).toBe(row.extracted === row.target ? '1' : '0');
    }
    const summary = parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    for (const row of summary) for (const column of ['n', 'ci95_low', 'ci95_high', 'weighted_accuracy', 'no_answer', 'skipped']) expect(isNumberOrEmpty(row[column] ?? ''), `${column}=${row[column]}`).toBe(true);
  }, 180_000);

  it('needle CSVs: empty cells where a length exceeds the context, the reason in cells.csv status', () => {
    const result = runCli(['needle', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--lengths', '512,4096', '--depths', '0,100', '--out', join(work, 'runs')]);
    expect(result.status, result.stderr).toBe(0);
    const dir = runFolder(result.stdout, 'report.html');
    const grid = parse(readFileSync(join(dir, 'summary.csv'), 'utf8')) as string[][];
    expect(grid[0]).toEqual(['depth % \\ length', '512', '4k']);
    for (const row of grid.slice(1)) {
      expect(isNumberOrEmpty(row[1] ?? 'x') && row[1] !== '').toBe(true);
      expect(row[2]).toBe('');
    }
    const cells = parse(readFileSync(join(dir, 'cells.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(cells.map((cell) => `${cell.length}/${cell.depth}:${cell.status}`).sort()).toEqual(['4096/0:exceeds_context', '4096/100:exceeds_context', '512/0:scored', '512/100:scored']);
    for (const file of ['lengths.csv', 'depths.csv']) {
      const rows = parse(readFileSync(join(dir, file), 'utf8'), { columns: true }) as Record<string, string>[];
      for (const row of rows) expect(isNumberOrEmpty(row['mean score'] ?? 'x'), `${file}: ${row['mean score']}`).toBe(true);
    }
  }, 180_000);
});
