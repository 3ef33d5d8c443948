/**
 * The subjective runner with scripted judges over the real MT-Bench and AlignBench files: the judge
 * receives exactly the preset's prompt through its chat template, records carry what reports need,
 * pairwise runs both orders and counts flips, parse failures and context overflows are counted, and
 * a resumed run judges only what is missing and ends as an uninterrupted run would.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../../../harness/records.js';
import { lockRunDirectory } from '../../../harness/run-lock.js';
import { loadMtBench, mtbenchScorePrompt } from '../../../harness/subjective/mtbench.js';
import type { SubjectiveRecord } from '../../../harness/subjective/record.js';
import type { SubjectiveSettings } from '../../../harness/subjective/run-info.js';
import { runSubjectiveEvaluation } from '../../../harness/subjective/runner.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

function answerFile(dir: string, model: string, answers: Record<number, string[]>): string {
  const file = join(dir, `${model}.jsonl`);
  writeFileSync(file, Object.entries(answers).map(([id, turns]) => `${JSON.stringify({ question_id: Number(id), model_id: model, choices: [{ index: 0, turns }] })}\n`).join(''));
  return file;
}

function settings(overrides: Partial<SubjectiveSettings>): SubjectiveSettings {
  return {
    preset: 'mtbench', mode: 'score', dataDir: BENCHMARKS_DIR, questionIds: ['81', '111'], answers: [], orders: ['AB', 'BA'], repeats: 1,
    judgeMaxOutLen: 64, maxOutLen: 32, batchSize: 3, bootstrap: 100, seed: 0, ...overrides,
  };
}

const answers = (dir: string) => ({
  good: answerFile(dir, 'good', { 81: ['good answer one', 'good answer two {not a field}'], 111: ['good answer one', 'good answer two'] }),
  bad: answerFile(dir, 'bad', { 81: ['bad answer one', 'bad answer two'], 111: ['bad answer one', 'bad answer two'] }),
});

/** Grades by the answer the prompt judges: good → 9, bad → 3; bad's math turn 2 gets an unreadable reply. */
function gradingJudge(): ScriptedModel & { prompts: string[] } {
  const prompts: string[] = [];
  const judge = new ScriptedModel({
    name: 'scripted-judge',
    reply: (prompt) => {
      prompts.push(prompt);
      if (prompt.includes('bad answer two') && prompt.includes('Reference answer')) return 'I cannot decide.';
      return prompt.includes('good answer') ? 'Good.\n\nRating: [[9]]' : 'Weak.\n\nRating: [[3]]';
    },
  });
  return Object.assign(judge, { prompts });
}

/** Prefers whichever assistant wrote the good answer (the text between "Start of Assistant A's" and "End of Assistant A's"). */
function fairJudge(): ScriptedModel {
  return new ScriptedModel({
    reply: (prompt) => {
      const start = prompt.indexOf("Start of Assistant A's");
      const aGood = prompt.slice(start, prompt.indexOf("End of Assistant A's", start)).includes('good answer');
      return aGood ? 'A is better. [[A]]' : 'B is better. [[B]]';
    },
  });
}

describe('score mode (MT-Bench)', () => {
  it('sends the FastChat prompt through the judge\'s chat template and records every judgement', async () => {
    const dir = tmp('gnomon-subjective-score-');
    const files = answers(dir);
    const judge = gradingJudge();
    const result = await runSubjectiveEvaluation({ settings: settings({ answers: [files.good, files.bad] }), judge, judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
    expect(records).toHaveLength(8);
    expect(new Set(records.map((r) => r.key)).size).toBe(8);

    const { set, templates } = loadMtBench(BENCHMARKS_DIR);
    const q111 = set.questions.find((q) => q.id === '111');
    if (!q111) throw new Error('q111');
    const expected = mtbenchScorePrompt(templates, q111, ['good answer one', 'good answer two'], 2);
    const record = records.find((r) => r.key === 'score|good|111|2|0');
    expect(record).toMatchObject({
      preset: 'mtbench', mode: 'score', question_id: '111', category: 'math', turn: 2, models: ['good'], candidate: 'good', judge: 'scripted-judge',
      judge_template: 'single-math-v1-multi-turn', system_prompt: expected.system, user_prompt: expected.user, status: 'ok', verdict: { score: 9 },
      answers: { good: ['good answer one', 'good answer two'] }, question: q111.turns,
    });
    expect(record?.prompt_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(judge.prompts).toContain(`<s><|im_start|>system\n${expected.system}<|im_end|>\n<|im_start|>user\n${expected.user}<|im_end|>\n<|im_start|>assistant\n`);
    // A value with braces is inserted as is (never re-read as a template field).
    expect(records.find((r) => r.key === 'score|good|81|2|0')?.user_prompt).toContain('good answer two {not a field}');

    const failure = records.find((r) => r.key === 'score|bad|111|2|0');
    expect(failure).toMatchObject({ status: 'parse_failure', verdict: null, reply: 'I cannot decide.', reason: 'no [[rating]] (nor [rating]) in the reply' });
    const [good, bad] = result.summary.scores;
    expect(good).toMatchObject({ model: 'good', overall: { mean: 9, n: 4 }, parseFailures: 0 });
    expect(bad).toMatchObject({ model: 'bad', overall: { mean: 3, n: 3 }, parseFailures: 1 });
    expect(result.text).toContain('MT-Bench scores (judge scripted-judge)');
    expect(result.summary.diagnostics).toMatchObject({ judged: 8, parseFailures: 1, parseFailureRate: 1 / 8 });
  });

  it('skips a judge prompt longer than the judge\'s context, with its length, instead of cutting it', async () => {
    const dir = tmp('gnomon-subjective-context-');
    const files = answers(dir);
    const judge = new ScriptedModel({ contextLength: 1200, reply: () => 'Rating: [[5]]' });
    const result = await runSubjectiveEvaluation({ settings: settings({ answers: [files.good], questionIds: ['111'] }), judge, judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
    const skipped = records.filter((r) => r.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]?.reason).toMatch(/^judge prompt is \d+ tokens, longer than the judge's context of 1200 tokens$/);
    expect(result.summary.scores[0]?.skipped).toBe(skipped.length);
  });
});

describe('pairwise mode (MT-Bench, m2n against a baseline)', () => {
  it('judges both orders and maps letters back to models', async () => {
    const dir = tmp('gnomon-subjective-pair-');
    const files = answers(dir);
    const result = await runSubjectiveEvaluation({ settings: settings({ mode: 'pairwise', answers: [files.good], baseline: files.bad }), judge: fairJudge(), judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
    expect(records).toHaveLength(8);
    expect(records.map((r) => [r.question_id, r.turn, r.order, r.models.join('/'), r.verdict && 'winner_model' in r.verdict ? r.verdict.winner_model : null])).toEqual([
      ['81', 1, 'AB', 'good/bad', 'good'], ['81', 1, 'BA', 'bad/good', 'good'], ['81', 2, 'AB', 'good/bad', 'good'], ['81', 2, 'BA', 'bad/good', 'good'],
      ['111', 1, 'AB', 'good/bad', 'good'], ['111', 1, 'BA', 'bad/good', 'good'], ['111', 2, 'AB', 'good/bad', 'good'], ['111', 2, 'BA', 'bad/good', 'good'],
    ]);
    expect(records.map((r) => r.judge_template)).toEqual(['pair-v2', 'pair-v2', 'pair-v2-multi-turn', 'pair-v2-multi-turn', 'pair-math-v1', 'pair-math-v1', 'pair-math-v1-multi-turn', 'pair-math-v1-multi-turn']);
    expect(result.info.baseline).toBe('bad');
    expect(result.summary.pairwise[0]?.overall).toMatchObject({ wins: 4, ties: 0, losses: 0, winRate: 1 });
    expect(result.summary.diagnostics).toMatchObject({ pairsWithBothOrders: 4, consistentPairs: 4 });
    expect(result.text).toContain('Pairwise results (judge scripted, baseline bad)');
  });

  it('a judge that always says [[A]] wins nothing: every pair flips to a tie, counted as position bias', async () => {
    const dir = tmp('gnomon-subjective-biased-');
    const files = answers(dir);
    const result = await runSubjectiveEvaluation({ settings: settings({ mode: 'pairwise', answers: [files.good], baseline: files.bad }), judge: new ScriptedModel({ reply: () => '[[A]]' }), judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    expect(result.summary.pairwise[0]?.overall).toMatchObject({ wins: 0, ties: 4, losses: 0, inconsistent: 4, winRateTiesHalf: 0.5 });
    expect(result.summary.diagnostics).toMatchObject({ positionConsistency: 0, firstPositionFlips: 4 });
  });
});

describe('score mode (AlignBench)', () => {
  it('renders the multi-dimension prompt and reads the rating dict into dimension scores', async () => {
    const dir = tmp('gnomon-subjective-alignbench-');
    const file = join(dir, 'model.jsonl');
    writeFileSync(file, [1, 2].map((id) => `${JSON.stringify({ question_id: id, answer: `答案${id}` })}\n`).join(''));
    const judge = new ScriptedModel({ reply: (prompt) => (prompt.includes('答案1') ? "很好。{'事实正确性': 8, '满足用户需求': 7, '清晰度': 9, '完备性': 6, '综合得分': 7}" : '无法评价') });
    const result = await runSubjectiveEvaluation({ settings: settings({ preset: 'alignbench', questionIds: ['1', '2'], answers: [file], judgeMaxOutLen: 512 }), judge, judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    const records = readJsonl<SubjectiveRecord>(join(result.runDir, 'records.jsonl'));
    expect(records.map((r) => [r.question_id, r.status, r.judge_template, r.system_prompt])).toEqual([['1', 'ok', 'alignbench-multi-dimension', ''], ['2', 'parse_failure', 'alignbench-multi-dimension', '']]);
    expect(records[0]?.verdict).toEqual({ score: 7, dimensions: { 事实正确性: 8, 满足用户需求: 7, 清晰度: 9, 完备性: 6, 综合得分: 7 } });
    expect(records[0]?.user_prompt).toContain('1. 事实正确性: 回答中提供的信息是否准确无误');
    const [scores] = result.summary.scores;
    expect(scores?.dimensions.get('清晰度')).toEqual({ mean: 9, n: 1 });
    expect(scores?.byCategory.get('专业能力')).toMatchObject({ mean: 7, n: 1 });
    expect(result.text).toContain('AlignBench capability scores');
  });

  it('refuses pairwise mode for alignbench before judging anything', async () => {
    await expect(runSubjectiveEvaluation({ settings: settings({ preset: 'alignbench', mode: 'pairwise', answers: [] }), judge: new ScriptedModel(), judgeSource: 'scripted', outDir: tmp('gnomon-subjective-ab-pair-'), command: 'test' }))
      .rejects.toThrow(/--preset alignbench has no pairwise mode/);
  });
});

describe('resume', () => {
  it('keeps finished judgements, redoes a torn last line, and ends as an uninterrupted run', async () => {
    const dir = tmp('gnomon-subjective-resume-');
    const files = answers(dir);
    const run = (judge: ScriptedModel, resumeDir?: string) => runSubjectiveEvaluation({ settings: settings({ mode: 'pairwise', answers: [files.good], baseline: files.bad, batchSize: 1 }), judge, judgeSource: 'scripted', outDir: join(dir, 'runs'), resumeDir, command: 'test' });
    const full = await run(fairJudge());
    const recordsFile = join(full.runDir, 'records.jsonl');
    const all = readFileSync(recordsFile, 'utf8').split('\n').filter((l) => l !== '');
    // What a kill leaves: three finished lines and half of the fourth.
    writeFileSync(recordsFile, `${all.slice(0, 3).join('\n')}\n`);
    appendFileSync(recordsFile, (all[3] ?? '').slice(0, 40));
    const judge = fairJudge();
    const resumed = await run(judge, full.runDir);
    expect(judge.calls).toBe(5);
    expect(resumed.judged).toBe(5);
    const strip = (r: SubjectiveRecord) => ({ ...r, ms: 0 });
    expect(readJsonl<SubjectiveRecord>(recordsFile).map(strip)).toEqual(all.map((l) => strip(JSON.parse(l) as SubjectiveRecord)));
    expect(resumed.text).toBe(full.text);
  });

  it('refuses a second writer while a run is being written', async () => {
    const dir = tmp('gnomon-subjective-lock-');
    const files = answers(dir);
    const first = await runSubjectiveEvaluation({ settings: settings({ answers: [files.good], questionIds: ['81'] }), judge: new ScriptedModel({ reply: () => '[[5]]' }), judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    const held = lockRunDirectory(first.runDir, 'another harness subjective --resume');
    try {
      await expect(runSubjectiveEvaluation({ settings: settings({}), judge: new ScriptedModel({ reply: () => '[[5]]' }), judgeSource: 'scripted', outDir: dir, resumeDir: first.runDir, command: 'test' }))
        .rejects.toThrow(/is in use/);
    } finally {
      held.release();
    }
  });

  it('refuses to resume with another judge', async () => {
    const dir = tmp('gnomon-subjective-other-');
    const files = answers(dir);
    const first = await runSubjectiveEvaluation({ settings: settings({ answers: [files.good], questionIds: ['81'] }), judge: new ScriptedModel({ reply: () => '[[5]]' }), judgeSource: 'scripted', outDir: join(dir, 'runs'), command: 'test' });
    await expect(runSubjectiveEvaluation({ settings: settings({}), judge: new ScriptedModel({ checkpointHash: 'other' }), judgeSource: 'scripted', outDir: dir, resumeDir: first.runDir, command: 'test' }))
      .rejects.toThrow(/the run was judged by scripted \(checkpoint scripted\), not scripted \(other\)/);
  });
});

describe('answers from a model', () => {
  it('generates both turns (the second sees the model\'s own first answer), saves them, then judges them', async () => {
    const dir = tmp('gnomon-subjective-generate-');
    const seen: string[] = [];
    const model = new ScriptedModel({ name: 'answerer', checkpointHash: 'answerer', reply: (prompt) => { seen.push(prompt); return `reply ${seen.length}`; } });
    const result = await runSubjectiveEvaluation({ settings: settings({ questionIds: ['81'] }), judge: new ScriptedModel({ reply: () => 'Rating: [[6]]' }), judgeSource: 'scripted', answerModel: model, answerModelSource: 'scripted answerer', outDir: join(dir, 'runs'), command: 'test' });
    expect(seen).toHaveLength(2);
    expect(seen[1]).toContain('<|im_start|>assistant\nreply 1<|im_end|>\n<|im_start|>user\nRewrite your previous response.');
    const saved = readJsonl<{ question_id: number; choices: { turns: string[] }[] }>(join(result.runDir, 'answers', 'answerer.jsonl'));
    expect(saved).toMatchObject([{ question_id: 81, model_id: 'answerer', choices: [{ index: 0, turns: ['reply 1', 'reply 2'] }] }]);
    expect(result.summary.scores[0]).toMatchObject({ model: 'answerer', overall: { mean: 6, n: 2 } });
    expect(result.info.sources).toEqual([{ model: 'answerer', source: join(result.runDir, 'answers', 'answerer.jsonl') }]);
  });
});
