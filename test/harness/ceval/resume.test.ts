import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { readJsonl } from '../../../harness/records.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, temporaryDirectory } from './ceval-data-fixture.js';

const REPO = resolve(import.meta.dirname, '../../..');
let childScript = '';

// Compile the child (and only its import closure) to JavaScript once: the child is a plain Node
// process that we can SIGKILL, as a user's Ctrl-C or an OOM kill would.
beforeAll(() => {
  const outDir = temporaryDirectory('gnomon-ceval-child-');
  execFileSync(process.execPath, [
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', outDir, '--rootDir', REPO, '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node',
    join(REPO, 'test', 'harness', 'ceval', 'resume-child.ts'),
  ], { stdio: 'pipe' });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(outDir, 'node_modules'));
  childScript = join(outDir, 'test', 'harness', 'ceval', 'resume-child.js');
});

function countLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length;
  } catch {
    return 0;
  }
}

/** Starts the child and SIGKILLs it once `records` records are on disk. */
async function runAndKill(outDir: string, records: number): Promise<string> {
  const child = spawn(process.execPath, [childScript, BENCHMARKS_DIR, outDir, '40'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  for (;;) {
    const dirs = readdirSync(outDir);
    const recordsFile = dirs[0] ? join(outDir, dirs[0], 'records.jsonl') : '';
    if (recordsFile && countLines(recordsFile) >= records) break;
    if (child.exitCode !== null) throw new Error(`child exited early: ${stderr}`);
    await new Promise((done) => setTimeout(done, 10));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const [dir] = readdirSync(outDir);
  if (!dir) throw new Error('no run directory');
  return join(outDir, dir);
}

describe('--resume after a killed process', () => {
  it('keeps every finished question, runs only the rest, and ends as an uninterrupted run would', async () => {
    const outDir = temporaryDirectory('gnomon-ceval-kill-');
    const runDir = await runAndKill(outDir, 7);
    const beforeResume = readJsonl<CevalRecord>(join(runDir, 'records.jsonl'));
    expect(beforeResume.length).toBeGreaterThanOrEqual(7);
    expect(beforeResume.length).toBeLessThan(41);
    // A torn last line (what a kill in the middle of a write leaves) is dropped and its question redone.
    appendFileSync(join(runDir, 'records.jsonl'), '{"schema":"gnomon.ceval.record.v1","subject":"logic"');

    const model = new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2) });
    const resumed = await runCevalEvaluation(model, { settings: { preset: 'ceval', dataDir: '/ignored-on-resume', split: 'val', chat: 'auto', mode: 'gen', maxOutLen: 1, batchSize: 3 }, outDir, resumeDir: runDir, command: 'test' });
    const after = readJsonl<CevalRecord>(join(runDir, 'records.jsonl'));
    expect(after).toHaveLength(19 + 22);
    expect(after.slice(0, beforeResume.length)).toEqual(beforeResume);
    expect(new Set(after.map((r) => `${r.subject}#${r.row}`)).size).toBe(41);
    // Only the unfinished questions went through the model (one scoring call each: batch size 1 saved in run.json).
    expect(model.calls).toBe(41 - beforeResume.length);
    expect(resumed.summary.scored).toBe(41);

    const fresh = await runCevalEvaluation(new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2) }), {
      settings: { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'logic'], chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
      outDir: temporaryDirectory('gnomon-ceval-fresh-'), command: 'test',
    });
    const strip = (records: CevalRecord[]) => records.map(({ ms: _ms, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(readJsonl<CevalRecord>(join(fresh.runDir, 'records.jsonl'))));
    expect(resumed.text).toBe(fresh.text);
  });

  it('refuses to resume with a different model', async () => {
    const outDir = temporaryDirectory('gnomon-ceval-other-');
    const first = await runCevalEvaluation(new ScriptedModel(), {
      settings: { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['logic'], limit: 1, chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
      outDir, command: 'test',
    });
    const other = new ScriptedModel({ checkpointHash: 'different' });
    await expect(runCevalEvaluation(other, { settings: { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 }, outDir, resumeDir: first.runDir, command: 'test' }))
      .rejects.toThrow(/the run used model scripted \(checkpoint scripted\)/);
  });
});
