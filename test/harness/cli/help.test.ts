/**
 * Help laid out by task (task, data, model/engine, output) with examples; "did you mean" for a
 * mistyped flag or choice; ceval's --show-prompt with the prompt's token count. Real CLI processes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { closest } from '../../../harness/cli/help.js';
import { cliPath, runCli } from '../../helpers/cli-process.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

beforeAll(() => {
  cliPath();
}, 120_000);

describe('--help', () => {
  it.each(['ceval', 'needle', 'contamination', 'subjective'])('%s groups its options, task first, and shows examples', (command) => {
    const help = runCli([command, '--help']);
    expect(help.status).toBe(0);
    const order = ['Task:', 'Data:', 'Model and engine:', 'Output:', 'Examples:'].map((title) => help.stdout.indexOf(`\n${title}\n`));
    expect(order.every((position) => position > 0), help.stdout).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // --model sits in the model group, --out and --resume in the output group.
    const modelGroup = help.stdout.slice(order[2], order[3]);
    expect(modelGroup).toMatch(/--(judge-)?model /);
    expect(help.stdout.slice(order[3], order[4])).toContain('--resume');
    expect(help.stdout.slice(order[4])).toContain(`harness ${command} `);
  }, 60_000);
});

describe('did you mean', () => {
  it('suggests the closest flag and the closest choice', () => {
    const flag = runCli(['needle', '--lenghts', '1k']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('error: Unknown argument: lenghts\n  fix: did you mean --lengths?');
    const choice = runCli(['ceval', '--mode', 'ppll']);
    expect(choice.status).toBe(2);
    expect(choice.stderr).toContain('did you mean --mode ppl?');
    const nothingClose = runCli(['needle', '--zzzzzzzz']);
    expect(nothingClose.stderr).not.toContain('did you mean');
  }, 60_000);

  it('matches typos, not unrelated words', () => {
    expect(closest('lenghts', ['weights', 'lengths', 'depths'])).toBe('lengths');
    expect(closest('kv-cahce', ['kv-cache', 'model'])).toBe('kv-cache');
    expect(closest('banana', ['kv-cache', 'model'])).toBeUndefined();
  });
});

describe('ceval --show-prompt', () => {
  it('prints the prompt with its token count and the context', () => {
    const work = mkdtempSync(join(tmpdir(), 'gnomon-help-'));
    writeFileSync(join(work, 'quiz.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n');
    const args = ['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--custom', join(work, 'quiz.csv'), '--name', 'quiz', '--show-prompt', 'quiz'];
    const shown = runCli(args);
    expect(shown.status, shown.stderr).toBe(0);
    const json = runCli([...args, '--json']);
    const parsed = JSON.parse(json.stdout) as { promptTokens: number; contextLength: number };
    expect(parsed.promptTokens).toBeGreaterThan(5);
    expect(parsed.contextLength).toBe(2048);
    expect(shown.stdout).toContain(`--- quiz:0: ${parsed.promptTokens} prompt tokens, 0 shots (context 2048)`);
  }, 120_000);
});
