// Issue 17 items 13, 14, 15: one writer per run folder (a second --resume says who holds it),
// summaries that count a record once whatever the file holds, run folders created atomically by
// processes racing in the same instant, and run names that never leave --out.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/errors.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { rewriteNeedleReport, runNeedle } from '../../../harness/needle/needle-run.js';
import { createRunDirectory, readJsonl } from '../../../harness/records.js';
import { OracleNeedleModel } from '../../../bench/scripted-needle-models.js';
import { compileChild } from '../../helpers/compiled-child.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';
import { BENCHMARKS_DIR, temporaryDirectory } from '../ceval/ceval-data-fixture.js';

let child = '';
beforeAll(() => { child = compileChild('test/harness/reliability/race-child.ts'); }, 120_000);

interface Exit { code: number | null; stdout: string; stderr: string; pid: number }

function runChild(args: readonly string[]): Promise<Exit> {
  const process_ = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  process_.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  process_.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((done) => process_.on('exit', (code) => done({ code, stdout, stderr, pid: process_.pid ?? -1 })));
}

describe('run folders under concurrency', () => {
  it('four processes creating 50 folders each in the same instant get 200 different folders', async () => {
    const root = temporaryDirectory('gnomon-race-');
    const start = Date.now() + 1500;
    const exits = await Promise.all(Array.from({ length: 4 }, () => runChild(['mkdir', root, String(start), '50'])));
    for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
    const made = exits.flatMap((exit) => exit.stdout.trim().split('\n'));
    expect(made).toHaveLength(200);
    expect(new Set(made).size).toBe(200);
    expect(readdirSync(root)).toHaveLength(200);
  }, 60_000);

  it('two --resume of the same run at once: one runs, the other stops naming the holder; no record is written twice', async () => {
    const outDir = temporaryDirectory('gnomon-lock-');
    const model = new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2) });
    const { runDir } = await runCevalEvaluation(model, {
      settings: { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'logic'], chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
      outDir, command: 'test',
    });
    // Keep five finished questions: 36 are left for the two resumers to fight over.
    const recordsFile = join(runDir, 'records.jsonl');
    writeFileSync(recordsFile, readFileSync(recordsFile, 'utf8').split('\n').slice(0, 5).map((line) => `${line}\n`).join(''));
    const [first, second] = await Promise.all([runChild(['resume', runDir, '20']), runChild(['resume', runDir, '20'])]);
    const exits = [first, second] as Exit[];
    const winner = exits.find((exit) => exit.code === 0);
    const loser = exits.find((exit) => exit.code === 2);
    expect(winner, exits.map((e) => e.stderr).join('\n---\n')).toBeDefined();
    expect(loser?.stderr).toContain(`${runDir} is in use`);
    expect(loser?.stderr).toMatch(new RegExp(`process ${winner?.pid ?? 0} on \\S+ holds ${runDir}/\\.lock|another process is taking`));
    const records = readJsonl<CevalRecord>(recordsFile);
    expect(records).toHaveLength(41);
    expect(new Set(records.map((r) => `${r.subject}#${r.row}`)).size).toBe(41);
    // The lock is released when the run ends: a later resume takes it again.
    expect(existsSync(join(runDir, '.lock'))).toBe(false);
    expect((await runChild(['resume', runDir, '0'])).code).toBe(0);
  }, 120_000);

  it('a needle summary counts a duplicated record once', async () => {
    const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
    const run = await runNeedle(model, {
      settings: { grid: { lengths: [512], depths: [0, 100], repeats: 1 }, seed: '1', haystack: 'en', task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens: 24, threshold: 0.85 },
      outDir: temporaryDirectory('gnomon-needle-dup-'), argv: 'test',
    });
    expect(run.report.summary.counts.ok).toBe(2);
    const recordsFile = join(run.dir, 'records.jsonl');
    // What two writers racing on one cell used to leave: the same key twice, the second scored 0.
    const [firstRecord] = readJsonl<{ key: string; score: number }>(recordsFile);
    appendFileSync(recordsFile, `${JSON.stringify({ ...firstRecord, score: 0 })}\n`);
    const rewritten = rewriteNeedleReport(run.dir);
    expect(rewritten.report.summary.counts.ok).toBe(2);
    expect(rewritten.report.summary.overall).toBe(1);
  });
});

describe('run names never leave --out', () => {
  it('a name with ../ or / stays one folder inside --out', () => {
    const root = temporaryDirectory('gnomon-names-');
    const out = join(root, 'out');
    for (const name of ['../../escaped', '/etc/x', '..', 'a/../../b', '.hidden']) {
      const dir = createRunDirectory(out, name);
      expect(resolve(dir, '..'), name).toBe(resolve(out));
    }
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('ceval --custom with --name ../../escaped writes its run folder inside --out', async () => {
    const root = temporaryDirectory('gnomon-escape-');
    const file = join(root, 'set.csv');
    writeFileSync(file, 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n2+2=?,4,3,2,1,A\n');
    const out = join(root, 'deep', 'er', 'out');
    const { runDir } = await runCevalEvaluation(new ScriptedModel({ tokenLogprob: () => -1 }), {
      settings: { preset: 'ceval', custom: file, name: '../../escaped', dataDir: '.', split: 'val', chat: 'off', mode: 'ppl', maxOutLen: 1, batchSize: 1 },
      outDir: out, command: 'test',
    });
    expect(resolve(runDir, '..')).toBe(resolve(out));
    expect(existsSync(join(root, 'deep', 'escaped-ppl'))).toBe(false);
    expect(readdirSync(join(root, 'deep'))).toEqual(['er']);
  });

  it('--out that is a file is a UserError naming it, not an internal error', () => {
    const root = temporaryDirectory('gnomon-out-file-');
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    let caught: unknown;
    try {
      createRunDirectory(file, 'ceval-ppl');
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toBe(`${file}: exists and is not a folder (creating the --out folder)`);
  });
});
