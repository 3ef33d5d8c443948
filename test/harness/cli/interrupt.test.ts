/**
 * Ctrl-C on a real `harness needle` process: the first SIGINT stops after the cell in flight, writes
 * the partial report and prints what was saved and the resume command (exit 130); the resume
 * finishes the sweep; the same on a real ceval process. A second SIGINT stops at once.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, exited, runCli, startCli } from '../../helpers/cli-process.js';
import { BENCHMARKS_DIR, FIXTURES_DIR } from '../../helpers/shared-data.js';

const SWEEP = ['needle', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--lengths', '512,1024', '--depths', '0..100', '--repeats', '5'];
const CELLS = 2 * 11 * 5;

function waitFor(child: ReturnType<typeof startCli>, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (pattern.test(child.output.stderr)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`no ${String(pattern)} in:\n${child.output.stderr}`));
      }
    }, 50);
  });
}

/** Waits until the run's records file holds at least `count` lines (the pipe shows no line per cell). */
async function waitForRecords(child: ReturnType<typeof startCli>, count: number): Promise<void> {
  await waitFor(child, /run directory \S+\n/);
  const file = join(/run directory (\S+)\n/.exec(child.output.stderr)?.[1] ?? '', 'records.jsonl');
  for (let waited = 0; waited < 120_000; waited += 50) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').length > count) return;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} records:\n${child.output.stderr}`);
}

function recordLines(runDir: string): unknown[] {
  const text = readFileSync(join(runDir, 'records.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

let work: string;
beforeAll(() => {
  cliPath();
  work = mkdtempSync(join(tmpdir(), 'gnomon-ctrl-c-'));
}, 120_000);

describe('Ctrl-C', () => {
  it('stops after the cell in flight, writes the partial report, prints the resume command; the resume finishes', async () => {
    const child = startCli([...SWEEP, '--out', join(work, 'first')], { cwd: work });
    await waitForRecords(child, 3);
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, child.output.stderr).toBe(130);
    const saved = /interrupted after (\d+)\/110 cells; records saved in (\S+)\n/.exec(child.output.stderr);
    expect(saved, child.output.stderr).not.toBeNull();
    const done = Number(saved?.[1]);
    const runDir = saved?.[2] ?? '';
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(CELLS);
    expect(child.output.stderr).toContain(`resume with: harness needle --resume ${runDir}\n`);
    // Every record is a finished cell (none recorded as an error by the interruption), and the report covers them.
    const records = recordLines(runDir) as { status: string }[];
    expect(records).toHaveLength(done);
    expect(records.every((record) => record.status === 'ok')).toBe(true);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as object;
    expect(JSON.stringify(summary)).toContain('512');

    const resumed = runCli(['needle', '--resume', runDir], { cwd: work, timeoutMs: 240_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(recordLines(runDir)).toHaveLength(CELLS);
    // The report names the command that started the run, not the resume.
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('--repeats 5');
    expect(html).not.toContain('--resume');
  }, 400_000);

  it('ceval: stops between questions, writes the partial tables and questions.csv, resumes to the end', async () => {
    const args = ['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'accountant,art_studies', '--shots', '0', '--batch-size', '1'];
    const child = startCli([...args, '--out', join(work, 'ceval')], { cwd: work });
    await waitForRecords(child, 3);
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, child.output.stderr).toBe(130);
    const saved = /interrupted after (\d+)\/(\d+) questions; records saved in (\S+)\n/.exec(child.output.stderr);
    expect(saved, child.output.stderr).not.toBeNull();
    const runDir = saved?.[3] ?? '';
    const total = Number(saved?.[2]);
    expect(total).toBe(82); // accountant's 49 and art_studies's 33 val questions
    expect(child.output.stderr).toContain(`resume with: harness ceval --resume ${runDir}\n`);
    const done = Number(saved?.[1]);
    expect(recordLines(runDir)).toHaveLength(done);
    expect(readFileSync(join(runDir, 'questions.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(done + 1);
    expect(readFileSync(join(runDir, 'summary.csv'), 'utf8')).toContain('ceval-accountant');
    const resumed = runCli(['ceval', '--resume', runDir], { cwd: tmpdir(), timeoutMs: 240_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(recordLines(runDir)).toHaveLength(total);
  }, 400_000);

  it('a second Ctrl-C stops at once', async () => {
    // Both land inside the first cell (the sweep announces its cell count just before it), 50 ms
    // apart (so that both are delivered): a 1,346-token prefill plus up to 700 generated tokens,
    // about 0.8 s here. The first asks to stop after the cell in flight, the second exits there and
    // then, so the run never reports that it was interrupted after a cell. (This test used to put
    // both inside kernel compilation, which now overlaps the model's upload and takes no time.)
    const longCells = ['needle', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--lengths', '2048', '--answer-tokens', '700', '--depths', '0..100', '--repeats', '5'];
    const child = startCli([...longCells, '--out', join(work, 'second')], { cwd: work });
    await waitFor(child, /^cells: \d+ cells$/m);
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code).toBe(130);
    expect(child.output.stderr).toContain('stopping after the record in flight');
    expect(child.output.stderr).toContain('stopped at once');
    expect(child.output.stderr).not.toContain('interrupted after');
    expect(child.output.stderr).not.toContain('writing the report');
  }, 300_000);
});
