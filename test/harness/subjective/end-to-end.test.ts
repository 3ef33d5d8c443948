/**
 * End to end on the real engine: the published MT-Bench answers of alpaca-13b and llama-13b graded
 * by a judge running in gnomon's WebGPU engine on the tiny-fp32 fixture (random weights, 2,048-token
 * context: the replies are noise and mostly unreadable, which is what the run must report — parse
 * failures counted, prompts that do not fit skipped with their length). The run is started through
 * the command module in a child process, SIGKILLed after two judgements, and resumed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { readJsonl } from '../../../harness/records.js';
import type { SubjectiveRecord } from '../../../harness/subjective/record.js';
import { runSubjectiveEvaluation } from '../../../harness/subjective/runner.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const REPO = resolve(import.meta.dirname, '../../..');
const ANSWERS = join(BENCHMARKS_DIR, 'subjective/mt_bench/model_answer');
let childScript = '';

beforeAll(() => {
  const outDir = mkdtempSync(join(tmpdir(), 'gnomon-subjective-child-'));
  execFileSync(process.execPath, [
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', outDir, '--rootDir', REPO, '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node,@webgpu/types', '--lib', 'ES2023', '--esModuleInterop', '--resolveJsonModule', '--noCheck',
    join(REPO, 'test', 'harness', 'subjective', 'cli-child.ts'),
  ], { stdio: 'pipe' });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(outDir, 'node_modules'));
  // The engine reads its WGSL from shaders/ beside engine/.
  symlinkSync(join(REPO, 'shaders'), join(outDir, 'shaders'));
  childScript = join(outDir, 'test', 'harness', 'subjective', 'cli-child.js');
});

const lines = (file: string): number => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
};

function startChild(args: string[]): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill: () => void; exited: () => boolean } {
  const child = spawn(process.execPath, [childScript, 'subjective', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((finish) => child.on('exit', (code, signal) => finish({ code, signal, stdout, stderr })));
  return { done, kill: () => child.kill('SIGKILL'), exited: () => child.exitCode !== null || child.signalCode !== null };
}

describe('harness subjective end to end on the engine', () => {
  it('grades two models\' published answers with the tiny-fp32 judge, survives a SIGKILL and resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gnomon-subjective-e2e-'));
    const common = ['--judge-model', fixtureDir('tiny-fp32'), '--judge-max-out-len', '8', '--batch-size', '1', '--bootstrap', '100'];
    const first = startChild([...common, '--data-dir', BENCHMARKS_DIR, '--answers', join(ANSWERS, 'alpaca-13b.jsonl'), join(ANSWERS, 'llama-13b.jsonl'), '--questions', '116,120', '--out', out]);
    let recordsFile = '';
    for (;;) {
      const [dir] = readdirSync(out);
      recordsFile = dir ? join(out, dir, 'records.jsonl') : '';
      if (recordsFile && lines(recordsFile) >= 2) break;
      if (first.exited()) throw new Error(`child exited early: ${(await first.done).stderr}`);
      await new Promise((wait) => setTimeout(wait, 20));
    }
    first.kill();
    expect((await first.done).signal).toBe('SIGKILL');
    const runDir = join(out, readdirSync(out)[0] ?? '');
    const beforeResume = readJsonl<SubjectiveRecord>(recordsFile);
    expect(beforeResume.length).toBeGreaterThanOrEqual(2);
    expect(beforeResume.length).toBeLessThan(8);

    const resumed = await startChild([...common, '--resume', runDir]).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`8 judgements planned, ${beforeResume.length} already finished`);
    expect(resumed.stdout).toContain('MT-Bench scores (judge tiny-fp32)');

    const records = readJsonl<SubjectiveRecord>(recordsFile);
    expect(records).toHaveLength(8);
    expect(records.slice(0, beforeResume.length)).toEqual(beforeResume);
    expect(new Set(records.map((r) => r.key)).size).toBe(8);
    expect(new Set(records.map((r) => r.candidate))).toEqual(new Set(['alpaca-13b', 'llama-13b']));
    for (const r of records) {
      expect(r.judge).toBe('tiny-fp32');
      expect(['ok', 'parse_failure', 'skipped']).toContain(r.status);
      if (r.status === 'skipped') {
        // Question 120's turn-2 prompt (two turns and the reference) is longer than the 2,048-token context.
        expect(r).toMatchObject({ question_id: '120', turn: 2, reply: null });
        expect(r.reason).toMatch(/^judge prompt is \d{4} tokens, longer than the judge's context of 2048 tokens$/);
      } else {
        expect(typeof r.reply).toBe('string');
        expect(r.prompt_tokens).toBeLessThan(2048);
        if (r.status === 'parse_failure') expect(r.reason).toMatch(/no \[\[rating\]\]/);
      }
    }
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { diagnostics: { judged: number; parseFailures: number; skipped: number } };
    expect(summary.diagnostics.judged + summary.diagnostics.skipped).toBe(8);
    expect(summary.diagnostics.parseFailures).toBe(records.filter((r) => r.status === 'parse_failure').length);
  });

  describe('pairwise in process', () => {
    let judge: LanguageModel;
    beforeAll(async () => {
      judge = await loadModel(fixtureDir('tiny-fp32'));
    });
    afterAll(async () => {
      await judge?.dispose();
    });

    it('judges alpaca-13b against the llama-13b baseline in both orders, greedily: the same prompt gives the same reply', async () => {
      const result = await runSubjectiveEvaluation({
        settings: { preset: 'mtbench', mode: 'pairwise', dataDir: BENCHMARKS_DIR, questionIds: ['120'], answers: [join(ANSWERS, 'alpaca-13b.jsonl')], baseline: 'llama-13b', orders: ['AB', 'BA'], repeats: 2, judgeMaxOutLen: 6, maxOutLen: 8, batchSize: 4, bootstrap: 50, seed: 0 },
        judge, judgeSource: 'tiny-fp32 fixture', outDir: mkdtempSync(join(tmpdir(), 'gnomon-subjective-e2e-pair-')), command: 'test',
      });
      const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
      const turn1 = records.filter((r) => r.turn === 1);
      expect(turn1.map((r) => [r.order, r.repeat, r.models.join('/')])).toEqual([
        ['AB', 0, 'alpaca-13b/llama-13b'], ['BA', 0, 'llama-13b/alpaca-13b'], ['AB', 1, 'alpaca-13b/llama-13b'], ['BA', 1, 'llama-13b/alpaca-13b'],
      ]);
      for (const r of turn1) expect(r).toMatchObject({ judge_template: 'pair-math-v1', status: expect.stringMatching(/^(ok|parse_failure)$/) as unknown });
      // Temperature 0: the repeat of a prompt gets the same reply.
      expect(turn1[2]?.reply).toBe(turn1[0]?.reply);
      expect(turn1[3]?.reply).toBe(turn1[1]?.reply);
      expect(result.info.baseline).toBe('llama-13b');
    });

    it('answers with the engine (--model), feeding turn 2 its own first answer, then judges the answers', async () => {
      const runs = mkdtempSync(join(tmpdir(), 'gnomon-subjective-e2e-answer-'));
      const result = await runSubjectiveEvaluation({
        settings: { preset: 'mtbench', mode: 'score', dataDir: BENCHMARKS_DIR, questionIds: ['120'], answers: [], orders: ['AB'], repeats: 1, judgeMaxOutLen: 6, maxOutLen: 8, batchSize: 2, bootstrap: 20, seed: 0 },
        judge, judgeSource: 'tiny-fp32 fixture', answerModel: judge, answerModelSource: 'tiny-fp32 fixture', outDir: runs, command: 'test',
      });
      const saved = readJsonl<{ question_id: number; model_id: string; choices: { turns: string[] }[]; finish_reasons: string[] }>(join(result.runDir, 'answers', 'tiny-fp32.jsonl'));
      expect(saved).toHaveLength(1);
      expect(saved[0]?.choices[0]?.turns).toHaveLength(2);
      const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
      expect(records.map((r) => [r.candidate, r.turn, r.judge_template])).toEqual([['tiny-fp32', 1, 'single-math-v1'], ['tiny-fp32', 2, 'single-math-v1-multi-turn']]);
      // The judged answers are the ones the engine wrote, and turn 2's prompt holds both of them.
      expect(records[1]?.answers['tiny-fp32']).toEqual(saved[0]?.choices[0]?.turns);
      for (const turn of saved[0]?.choices[0]?.turns ?? []) expect(records[1]?.user_prompt).toContain(`### Assistant A:\n${turn}\n`);
    });
  });
});
