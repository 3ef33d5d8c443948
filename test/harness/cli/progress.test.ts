/**
 * Progress as the user sees it: a real `harness needle` run under a pseudo-terminal (util-linux
 * `script`) draws a live bar with done/total, a rate, an ETA and errors, after timed steps for model
 * load and kernel compilation; the same run through a pipe prints a few plain lines and no escape codes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../../harness/cli/progress.js';
import { cliPath, runCli, runCliOnTerminal } from '../../helpers/cli-process.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

const SWEEP = ['needle', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--lengths', '512,1024', '--depths', '0..100', '--repeats', '2'];
const ESCAPE = '\u001b';

let work: string;
beforeAll(() => {
  cliPath();
  work = mkdtempSync(join(tmpdir(), 'gnomon-progress-'));
}, 120_000);

describe('progress', () => {
  it('on a terminal: timed load and compile steps, then a live bar with done/total, rate, ETA, errors', () => {
    const { status, transcript } = runCliOnTerminal([...SWEEP, '--out', join(work, 'tty')], { cwd: work, columns: 160 });
    expect(status, transcript).toBe(0);
    expect(transcript).toMatch(/loading the model: \d+(\.\d)? s/);
    expect(transcript).toMatch(/compiling kernels: \d+(\.\d)? s/);
    // Redrawn in place (cursor to column 1), with the count, a recent rate and an ETA.
    expect(transcript).toContain(`${ESCAPE}[1Gcells `);
    expect(transcript).toMatch(/cells \S+ 44\/44 · [\d.]+ cells\/s · ETA [\d.]+ s · errors 0/);
    expect(transcript).toMatch(/cells \S+ 1\d\/44 · [\d.]+ cells\/s · ETA [\d.]+ s · errors 0 · (512|1k) depth \d+% repeat [12]\/2/);
    expect(transcript).not.toMatch(/^\[\d+\/44\]/m);
    expect(transcript).toMatch(/writing the report: [\d.]+ s/);
    expect(transcript).not.toContain('artificially reduced');
  }, 240_000);

  it('through a pipe: a few plain lines, no escape codes', () => {
    const result = runCli([...SWEEP, '--out', join(work, 'pipe')], { cwd: work });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain(ESCAPE);
    expect(result.stdout).not.toContain(ESCAPE);
    expect(result.stderr).toMatch(/^loading the model: [\d.]+ s$/m);
    expect(result.stderr).toMatch(/^compiling kernels: [\d.]+ s$/m);
    expect(result.stderr).toMatch(/^cells: 44 cells$/m);
    expect(result.stderr).toMatch(/^cells: 44\/44 cells, errors 0$/m);
    // Quiet: not one line per cell.
    expect(result.stderr.split('\n').length).toBeLessThan(20);
  }, 240_000);
});

describe('the rate', () => {
  it('is measured over the recent window, not from the start', async () => {
    const display = new ProgressDisplay('units', 100, 'units');
    display.tick();
    await new Promise((resolve) => setTimeout(resolve, 400)); // a slow first unit (compilation) ...
    for (let i = 0; i < 25; i += 1) {
      display.tick();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // ... is outside the window of the last 20: the rate is near 1 per ~5 ms, not 26 per ~0.55 s.
    expect(display.rate()).toBeGreaterThan(60);
    display.finish();
  });
});
