import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import listCommand from '../../../harness/commands/list.js';
import { cevalQuestionSet } from '../../../harness/ceval/question-set.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

async function list(argv: string[]): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  try {
    await yargs(['list', ...argv]).command(listCommand).strict().fail((m, e) => { throw e ?? new Error(m); }).parseAsync();
  } finally {
    process.stdout.write = write;
  }
  return printed;
}

describe('harness list', () => {
  it('lists C-Eval and CMMLU subjects with Chinese names, categories, groups and questions per split', async () => {
    const printed = await list(['subjects', '--data-dir', BENCHMARKS_DIR, 'computer_network', '*chemistry*']);
    const lines = printed.split('\n');
    expect(lines[0]).toBe(`subjects in ${BENCHMARKS_DIR}: 5`);
    const network = lines.find((l) => l.startsWith('ceval  computer_network')) ?? '';
    expect(network.split(/\s{2,}/)).toEqual(['ceval', 'computer_network', '计算机网络', 'STEM', '5', '19', '171', 'stem']);
    expect(lines.find((l) => l.startsWith('ceval  college_chemistry'))?.split(/\s{2,}/).slice(4)).toEqual(['5', '24', '224', 'stem hard']);
    // 171: the data rows of computer_network_test.csv as Python's csv module counts them (some cells span lines).
    expect(printed).toContain('C-Eval groups for --subjects: stem (20), social_science (10), humanities (11), other (11), hard (8), all (52)');
    expect(lines.some((l) => l.startsWith('cmmlu  computer_security'))).toBe(false);
    expect(lines.filter((l) => l.startsWith('cmmlu')).map((l) => l.split(/\s{2,}/))).toEqual([['cmmlu', 'high_school_chemistry', '高中化学', 'STEM', '5', '-', '132', 'stem']]);
  });

  it('lists datasets with totals and custom question files in the data folder', async () => {
    const data = makeTempFolder('gnomon-list-data-');
    writeFileSync(join(data, 'maths.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n2+2=?,3,4,5,6,B\n');
    writeFileSync(join(data, 'notes.csv'), 'title,body\nx,y\n');
    const printed = await list(['datasets', '--data-dir', data]);
    expect(printed).toMatch(/\nmaths +custom \(--custom FILE\) +1 +2 questions /);
    expect(printed).toMatch(/\nnotes +not a question file /);
    const shared = await list(['datasets', '--data-dir', BENCHMARKS_DIR]);
    expect(shared).toMatch(/\nceval +C-Eval \(--preset ceval\) +52 +dev 260, val 1346, test 12342 /);
    expect(shared).toMatch(/\ncmmlu +CMMLU \(--preset cmmlu\) +67 +dev 335, test 11582 /);
  });

  it('lists the suite tasks from the code, haystacks and presets', async () => {
    expect(await list(['tasks'])).toMatch(/\nneedle +harness needle +yes +tasks single, multi-retrieval, multi-reasoning, multi-key\n/);
    expect(await list(['tasks', 'contamination'])).toMatch(/\ncontamination +harness contamination +no /);
    expect(await list(['haystacks', 'zh'])).toMatch(/\nzh +zh +\d+ +\d+ +\S+corpora\/zh\.txt\n/);
    expect(await list(['presets', 'cmmlu'])).toContain('cmmlu-opencompass-v1');
  });

  it('lists finished and unfinished runs with model, task, status and score, and writes the runs index', async () => {
    const out = makeTempFolder('gnomon-list-runs-');
    const settings = { preset: 'ceval' as const, dataDir: BENCHMARKS_DIR, split: 'val' as const, subjects: ['logic'], limit: 4, chat: 'off' as const, mode: 'ppl' as const, maxOutLen: 16, batchSize: 2 };
    const done = await runCevalEvaluation(new ScriptedModel({ tokenLogprob: (_c, token) => (token === 66 ? -1 : -2) }), { settings, outDir: out, command: 'test' });
    // An unfinished run: its records stop after two of four questions.
    const partial = join(out, 'ceval-ppl-partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'run.json'), readFileSync(join(done.runDir, 'run.json')));
    writeFileSync(join(partial, 'records.jsonl'), readFileSync(join(done.runDir, 'records.jsonl'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const printed = await list(['runs', '--out', out, '--html']);
    const correct = done.summary.correct;
    expect(printed).toMatch(new RegExp(`\\nceval-ppl-\\d{8}T\\d{6}Z +scripted +ceval-ppl +\\S+ +finished \\(4/4\\) +accuracy ${(25 * correct).toFixed(2)} \\(${correct}/4\\)\\n`));
    expect(printed).toMatch(/\nceval-ppl-partial +scripted +ceval-ppl +\S+ +unfinished \(2\/4\) /);
    expect(printed).toContain(`wrote ${join(out, 'index.html')}`);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('data-status="unfinished"');
  });
});

describe('--subjects group names', () => {
  it('expand to their subjects in C-Eval order, mixed with subject names', () => {
    expect(cevalQuestionSet(BENCHMARKS_DIR, 'val', ['hard']).subjects.map((s) => s.subject)).toEqual([
      'college_physics', 'college_chemistry', 'advanced_mathematics', 'probability_and_statistics', 'discrete_mathematics',
      'high_school_mathematics', 'high_school_physics', 'high_school_chemistry',
    ]);
    expect(cevalQuestionSet(BENCHMARKS_DIR, 'val', ['stem']).subjects).toHaveLength(20);
    expect(cevalQuestionSet(BENCHMARKS_DIR, 'val', ['logic', 'social_science']).subjects.map((s) => s.subject).slice(0, 3)).toEqual(['logic', 'college_economics', 'business_administration']);
    expect(cevalQuestionSet(BENCHMARKS_DIR, 'val', ['humanities', 'logic']).subjects).toHaveLength(11);
    expect(cevalQuestionSet(BENCHMARKS_DIR, 'val', ['all']).subjects).toHaveLength(52);
    expect(() => cevalQuestionSet(BENCHMARKS_DIR, 'val', ['stems'])).toThrow(/"stems" is not a C-Eval subject/);
    expect(existsSync(BENCHMARKS_DIR)).toBe(true);
  });
});
