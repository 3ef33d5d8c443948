/**
 * Dawn prints two warnings from native code on every adapter request on lavapipe; the CLI filters
 * them out of its child's stderr unless --verbose. Real commands, a real adapter, the tiny fixture.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DawnWarningFilter, isDawnWarning } from '../../../harness/cli/dawn-warning-filter.js';
import { cliPath, runCli } from '../../helpers/cli-process.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

const WARNING_UNIFORM = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';
const WARNING_STORAGE = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';

function filtered(chunks: readonly string[]): string {
  let out = '';
  const filter = new DawnWarningFilter((text) => { out += text; });
  for (const chunk of chunks) filter.push(chunk);
  filter.end();
  return out;
}

describe('the Dawn warning filter', () => {
  it('drops exactly the two warnings, even split across chunks', () => {
    expect(isDawnWarning(WARNING_UNIFORM)).toBe(true);
    expect(isDawnWarning(WARNING_STORAGE)).toBe(true);
    expect(isDawnWarning('Warning: something else')).toBe(false);
    const text = `before\n${WARNING_UNIFORM}\n${WARNING_STORAGE}\nafter\n`;
    expect(filtered([text])).toBe('before\nafter\n');
    expect(filtered([...text])).toBe('before\nafter\n');
    expect(filtered([text.slice(0, 20), text.slice(20, 90), text.slice(90)])).toBe('before\nafter\n');
  });

  it('drops a warning written into a line left open (a step label waiting for its time)', () => {
    expect(filtered(['loading the model …', `${WARNING_UNIFORM}\n`, `${WARNING_STORAGE}\n`, '\rloading the model: 0.3 s\n'])).toBe('loading the model …\rloading the model: 0.3 s\n');
  });

  it('passes other text at once, a partial progress line included', () => {
    const written: string[] = [];
    const filter = new DawnWarningFilter((text) => written.push(text));
    filter.push('\r[====      ] 4/10');
    expect(written).toEqual(['\r[====      ] 4/10']);
    filter.push('\r[=====     ] 5/10');
    expect(written.at(-1)).toBe('\r[=====     ] 5/10');
    // A line that starts like a warning waits for its end, then shows if it is not one.
    filter.push('\nWarning: maxDynamic');
    expect(written.at(-1)).toBe('\n');
    filter.push('Thing changed\n');
    expect(written.at(-1)).toBe('Warning: maxDynamicThing changed\n');
    filter.push('Warning: max');
    filter.end();
    expect(written.at(-1)).toBe('Warning: max');
  });
});

describe('harness commands on a real adapter', () => {
  let work: string;
  beforeAll(() => {
    cliPath();
    work = mkdtempSync(join(tmpdir(), 'gnomon-dawn-'));
    writeFileSync(join(work, 'quiz.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n2+2=?,4,5,6,7,A\n');
  }, 120_000);

  it('doctor prints no Dawn warning; --verbose shows them', () => {
    const quiet = runCli(['doctor', '--no-check']);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toMatch(/^adapter:/m);
    expect(`${quiet.stdout}${quiet.stderr}`).not.toMatch(/artificially reduced/);
    const verbose = runCli(['doctor', '--no-check', '--verbose']);
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toContain('maxDynamicUniformBuffersPerPipelineLayout artificially reduced');
  }, 120_000);

  it('a ceval run on the tiny checkpoint prints no Dawn warning; --verbose shows them', () => {
    const model = join(FIXTURES_DIR, 'tiny-fp32');
    const args = ['ceval', '--model', model, '--custom', join(work, 'quiz.csv'), '--out', join(work, 'runs')];
    const quiet = runCli(args);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/wrote .*report\.html/);
    expect(`${quiet.stdout}${quiet.stderr}`).not.toMatch(/artificially reduced/);
    const verbose = runCli([...args, '--verbose']);
    expect(verbose.status, verbose.stderr).toBe(0);
    expect(verbose.stderr).toContain('maxDynamicStorageBuffersPerPipelineLayout artificially reduced');
  }, 240_000);
});
