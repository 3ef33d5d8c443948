/**
 * `--resume RUN` with no other flag, from another working folder, for every command that runs: the
 * run was started with relative paths (model, data, question files) in one folder and is resumed
 * from another. A typed flag that differs from the run's is refused with both values.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, type CliResult } from '../../helpers/cli-process.js';
import { BENCHMARKS_DIR, FIXTURES_DIR } from '../../helpers/shared-data.js';

let started: string;
let elsewhere: string;

function runFolder(result: CliResult): string {
  const match = /wrote (\S+?)\/(report\.html|summary\.md|run\.json|[\w.-]+\.(?:csv|md|json|png|svg))$/m.exec(result.stdout);
  if (!match?.[1]) throw new Error(`no run folder in the output:\n${result.stdout}\n${result.stderr}`);
  return join(started, match[1]);
}

function expectResumed(args: readonly string[]): { run: string; resumed: CliResult } {
  const first = runCli(args, { cwd: started });
  expect(first.status, first.stderr).toBe(0);
  const run = runFolder(first);
  const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { invocation: { argv: string[]; options: Record<string, unknown> } };
  expect(info.invocation.argv).toEqual(args);
  expect(info.invocation.options.model ?? info.invocation.options.judgeModel).toBe(join(started, 'model'));
  const resumed = runCli([args[0] ?? '', '--resume', run], { cwd: elsewhere });
  expect(resumed.status, resumed.stderr).toBe(0);
  // One header for every task's report, naming the command that started the run (not the resume).
  const header = /<table class="run-header">(.*?)<\/table>/.exec(readFileSync(join(run, 'report.html'), 'utf8'))?.[1] ?? '';
  const rows = [...header.matchAll(/<tr><th>([^<]+)<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
  expect(rows.map(([name]) => name)).toEqual(['model', 'checkpoint', 'adapter', 'started', 'run folder', 'command', 'compat']);
  const value = (name: string): string => rows.find(([row]) => row === name)?.[1] ?? '';
  expect(value('command')).toBe(`harness ${args.join(' ')}`);
  expect(value('run folder')).toBe(run);
  expect(value('checkpoint')).toMatch(/^[0-9a-f]{8,}$/);
  expect(value('adapter')).not.toBe('–');
  return { run, resumed };
}

beforeAll(() => {
  cliPath();
  const root = mkdtempSync(join(tmpdir(), 'gnomon-resume-'));
  started = join(root, 'started-here');
  elsewhere = join(root, 'resumed-from-here');
  mkdirSync(started);
  mkdirSync(elsewhere);
  symlinkSync(join(FIXTURES_DIR, 'tiny-fp32'), join(started, 'model'));
  symlinkSync(BENCHMARKS_DIR, join(started, 'data'));
  writeFileSync(join(started, 'quiz.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n2+2=?,4,5,6,7,A\n3+3=?,6,7,8,9,A\n');
}, 120_000);

describe('--resume RUN alone, from another folder', () => {
  it('ceval: a run made with relative --model and --data-dir; a different --limit is refused', () => {
    const args = ['ceval', '--model', 'model', '--data-dir', 'data', '--subjects', 'accountant', '--limit', '2', '--shots', '0'];
    const { run, resumed } = expectResumed(args);
    expect(resumed.stdout).toContain('accountant');
    const refused = runCli(['ceval', '--resume', run, '--limit', '3'], { cwd: elsewhere });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--limit 3: the run in');
    expect(refused.stderr).toContain('was made with --limit 2');
    // The same value typed again is fine.
    expect(runCli(['ceval', '--resume', run, '--limit', '2'], { cwd: elsewhere }).status).toBe(0);
  }, 300_000);

  it('needle: a run made with a relative --model; a different --model is refused', () => {
    const { run } = expectResumed(['needle', '--model', 'model', '--lengths', '512', '--depths', '0,100']);
    const refused = runCli(['needle', '--resume', run, '--model', join(FIXTURES_DIR, 'tiny-bf16-sharded')], { cwd: elsewhere });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`was made with --model ${join(started, 'model')}`);
  }, 300_000);

  it('contamination: a run made with a relative question file', () => {
    expectResumed(['contamination', '--model', 'model', '--dataset', 'quiz.csv', '--probes', 'likelihood']);
  }, 300_000);

  it('subjective: a run made with a relative judge, data folder and answers file', () => {
    const { run } = expectResumed(['subjective', '--judge-model', 'model', '--data-dir', 'data', '--answers', 'data/subjective/mt_bench/model_answer/alpaca-13b.jsonl',
      '--questions', '116', '--judge-max-out-len', '8', '--bootstrap', '100']);
    expect(existsSync(join(run, 'report.html'))).toBe(true);
  }, 300_000);

  it('refuses to resume a run with another command', () => {
    const first = runCli(['ceval', '--model', 'model', '--custom', 'quiz.csv', '--name', 'quiz'], { cwd: started });
    expect(first.status, first.stderr).toBe(0);
    const refused = runCli(['needle', '--resume', runFolder(first)], { cwd: elsewhere });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('a run of harness ceval, not harness needle');
  }, 300_000);
});
