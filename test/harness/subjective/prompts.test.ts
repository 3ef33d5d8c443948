/**
 * Judge prompts rendered from the real data files compared byte for byte with what FastChat's and
 * AlignBench's own code renders (test/data/subjective/, produced as its README says).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignbenchPrompt, loadAlignbench } from '../../../harness/subjective/alignbench.js';
import { readAnswerFile } from '../../../harness/subjective/answers.js';
import { loadMtBench, mtbenchPairPrompt, mtbenchScorePrompt, mtbenchTemplateName } from '../../../harness/subjective/mtbench.js';
import { formatPythonTemplate } from '../../../harness/subjective/python-format.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const DATA = resolve(import.meta.dirname, '../../data/subjective');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(DATA, name), 'utf8')) as T;

interface MtBenchCase { mode: 'score' | 'pairwise'; template: string; question_id: number; turn: number; models: string[]; system: string; user: string }
interface AlignbenchCase { question_id: number; capability: string; subcategory: string; type: string; dimensions: string[]; answer: string; user: string }

describe('MT-Bench judge prompts', () => {
  const { set, templates } = loadMtBench(BENCHMARKS_DIR);
  const answers = (model: string) => readAnswerFile(join(BENCHMARKS_DIR, 'subjective/mt_bench/model_answer', `${model}.jsonl`));
  const cases = read<MtBenchCase[]>('mtbench-prompts.json');

  it('loads 80 questions in 8 categories, references for the 30 math/reasoning/coding ones, and the 8 prompts', () => {
    expect(set.questions).toHaveLength(80);
    expect(new Set(set.questions.map((q) => q.category)).size).toBe(8);
    expect(set.questions.filter((q) => q.references).length).toBe(30);
    expect([...templates.keys()].sort()).toEqual(['pair-math-v1', 'pair-math-v1-multi-turn', 'pair-v2', 'pair-v2-multi-turn', 'single-math-v1', 'single-math-v1-multi-turn', 'single-v1', 'single-v1-multi-turn']);
  });

  it.each(cases.map((c) => [`${c.template} q${c.question_id} turn ${c.turn}`, c] as const))('%s renders as FastChat renders it', (_name, expected) => {
    const question = set.questions.find((q) => q.id === String(expected.question_id));
    if (!question) throw new Error(`question ${expected.question_id}`);
    const turns = expected.models.map((m) => answers(m).turns.get(question.id) ?? []);
    const rendered = expected.mode === 'score'
      ? mtbenchScorePrompt(templates, question, turns[0] ?? [], expected.turn)
      : mtbenchPairPrompt(templates, question, turns[0] ?? [], turns[1] ?? [], expected.turn);
    expect(rendered.template).toBe(expected.template);
    expect(mtbenchTemplateName(question, expected.turn, expected.mode)).toBe(expected.template);
    expect(rendered.system).toBe(expected.system);
    expect(rendered.user).toBe(expected.user);
  });

  it('renders every question, both turns, both modes, with every published model\'s answers', () => {
    const dir = join(BENCHMARKS_DIR, 'subjective/mt_bench/model_answer');
    const models = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(models).toHaveLength(31);
    const baseline = answers('gpt-3.5-turbo');
    for (const file of models) {
      const model = readAnswerFile(join(dir, file));
      for (const question of set.questions) {
        const turns = model.turns.get(question.id);
        expect(turns, `${file} question ${question.id}`).toHaveLength(2);
        for (const turn of [1, 2]) {
          expect(mtbenchScorePrompt(templates, question, turns ?? [], turn).user).toContain(question.turns[turn - 1] ?? '');
          expect(mtbenchPairPrompt(templates, question, turns ?? [], baseline.turns.get(question.id) ?? [], turn).user).toContain((turns ?? [])[turn - 1] ?? '');
        }
      }
    }
  });

  it('covers all eight templates in the reference data', () => {
    expect(new Set(cases.map((c) => c.template)).size).toBe(8);
  });
});

describe('AlignBench judge prompt', () => {
  const { set, config } = loadAlignbench(BENCHMARKS_DIR);
  const cases = read<AlignbenchCase[]>('alignbench-prompts.json');

  it('loads 683 questions in AlignBench\'s 8 capabilities', () => {
    expect(set.questions).toHaveLength(683);
    expect(new Set(set.questions.map((q) => q.category))).toEqual(new Set(['专业能力', '角色扮演', '数学计算', '逻辑推理', '文本写作', '基本任务', '中文理解', '综合问答']));
  });

  it.each(cases.map((c) => [`${c.type} (question ${c.question_id})`, c] as const))('%s renders as AlignBench and OpenCompass render it', (_name, expected) => {
    const question = set.questions.find((q) => q.id === String(expected.question_id));
    if (!question) throw new Error(`question ${expected.question_id}`);
    expect(question.category).toBe(expected.capability);
    expect(question.subcategory).toBe(expected.subcategory);
    const rendered = alignbenchPrompt(config, question, expected.answer);
    expect(rendered.system).toBe('');
    expect(rendered.user).toBe(expected.user);
    for (const dimension of expected.dimensions) expect(rendered.user).toContain(`. ${dimension}: `);
  });

  it('renders every question', () => {
    for (const question of set.questions) expect(alignbenchPrompt(config, question, '答').user.endsWith('[助手的答案开始]\n答\n[助手的答案结束]\n')).toBe(true);
  });

  it('covers the four answer types, each with its own dimension set', () => {
    expect(new Set(cases.map((c) => c.type))).toEqual(new Set(['事实与解释型回答', '逻辑推理型回答', '生成型回答', '建议型回答']));
  });
});

describe('Python str.format', () => {
  it('writes {{ }} as braces, inserts values once, and refuses what Python refuses', () => {
    expect(formatPythonTemplate("{{'a': {x}}}", { x: '{y}' }, 't')).toBe("{'a': {y}}");
    expect(() => formatPythonTemplate('{missing}', {}, 't')).toThrow(/needs \{missing\}/);
    expect(() => formatPythonTemplate('a } b', {}, 't')).toThrow(/single "}"/);
    expect(() => formatPythonTemplate('{0}', { 0: 'x' }, 't')).toThrow(/plain \{name\}/);
  });
});
