import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { cevalQuestionSet, cmmluQuestionSet } from '../../../harness/ceval/question-set.js';
import { showPrompt } from '../../../harness/ceval/evaluation.js';
import { promptVersion, useChatFormat } from '../../../harness/ceval/prompt.js';
import { plannedQuestions, prepareQuestion } from '../../../harness/ceval/runner.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, tinyCevalDataDir } from './ceval-data-fixture.js';

const FIXTURE = fixtureDir('tiny-fp32');
const HEAD = '以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n';
// The five dev rows of tinyCevalDataDir as question turns (row 5 is not a shot), and val row 0.
const SHOT_TURNS = [
  `${HEAD}一加一等于____。\nA. 1\nB. 2\nC. 3\nD. 4\n答案: `,
  `${HEAD}第二题,带逗号\nA. 甲\nB. 乙\nC. 丙\nD. 丁\n答案: `,
  `${HEAD}三\nA. x\nB. y\nC. z\nD. w\n答案: `,
  `${HEAD}四\nA. x\nB. y\nC. z\nD. w\n答案: `,
  `${HEAD}五\nA. x\nB. y\nC. z\nD. w\n答案: `,
];
const SHOT_ANSWERS = ['B', 'A', 'C', 'D', 'A'];
const QUESTION_TURN = `${HEAD}TCP是____协议\nA. 传输层\nB. 网络层\nC. 应用层\nD. 物理层\n答案: `;

const EXPECTED_CHAT = '<s>'
  + SHOT_TURNS.map((turn, i) => `<|im_start|>user\n${turn}<|im_end|>\n<|im_start|>assistant\n${SHOT_ANSWERS[i]}<|im_end|>\n`).join('')
  + `<|im_start|>user\n${QUESTION_TURN}<|im_end|>\n<|im_start|>assistant\n`;
const EXPECTED_BASE = `<s>${SHOT_TURNS.map((turn, i) => `${turn}\n${SHOT_ANSWERS[i]}\n`).join('')}${QUESTION_TURN}`;

async function firstPrompt(model: ScriptedModel, dataDir: string, mode: 'ppl' | 'gen', chat: boolean) {
  const set = cevalQuestionSet(dataDir, 'val', ['computer_network']);
  const [plan] = plannedQuestions(set, 1);
  if (!plan?.questions[0]) throw new Error('no question');
  return prepareQuestion(model, set, plan.subject, plan.shots, plan.questions[0], mode, chat, 16);
}

describe('C-Eval prompt, byte for byte (OpenCompass ceval_gen_5f30c7 / ceval_ppl_578f8d)', () => {
  it('chat model: shots as user/assistant turns through the chat template, ending at the assistant header', async () => {
    const model = new ScriptedModel();
    const gen = await firstPrompt(model, tinyCevalDataDir(), 'gen', true);
    expect(gen.promptText).toBe(EXPECTED_CHAT);
    expect(Buffer.from(await model.tokenizer.decode(gen.promptIds, false))).toEqual(Buffer.from(EXPECTED_CHAT));
    expect(gen.promptIds.filter((id) => id === model.tokenizer.bosId)).toHaveLength(1);
    // ppl mode scores the letter right after the assistant header: the same prefix.
    const ppl = await firstPrompt(model, tinyCevalDataDir(), 'ppl', true);
    expect(ppl.promptText).toBe(EXPECTED_CHAT);
    expect(ppl.continuations).toEqual([[65], [66], [67], [68]]);
  });

  it('base model: turns joined with "\\n", bos added once; ppl puts the "\\n" before the letter in the prefix', async () => {
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }) });
    const gen = await firstPrompt(model, tinyCevalDataDir(), 'gen', false);
    expect(gen.promptText).toBe(EXPECTED_BASE);
    const ppl = await firstPrompt(model, tinyCevalDataDir(), 'ppl', false);
    expect(ppl.promptText).toBe(`${EXPECTED_BASE}\n`);
    const noBos = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null, addBos: false }) });
    expect((await firstPrompt(noBos, tinyCevalDataDir(), 'gen', false)).promptText).toBe(EXPECTED_BASE.slice('<s>'.length));
  });

  it('the fixture checkpoint tokenizer (tiny-fp32) renders and round-trips the same chat prompt', async () => {
    const tokenizer = await loadTokenizer(FIXTURE);
    expect(useChatFormat('auto', tokenizer)).toBe(tokenizer.hasChatTemplate);
    const model = new ScriptedModel({ tokenizer });
    const gen = await firstPrompt(model, tinyCevalDataDir(), 'gen', true);
    expect(gen.promptText).toBe(EXPECTED_CHAT);
    expect(gen.promptIds[0]).toBe(tokenizer.bosId);
    expect(gen.promptIds.filter((id) => id === tokenizer.bosId)).toHaveLength(1);
    const ppl = await firstPrompt(model, tinyCevalDataDir(), 'ppl', true);
    // Each letter continues the prompt as the tokens the model would see after it.
    for (const [index, letter] of ['A', 'B', 'C', 'D'].entries()) {
      expect(await tokenizer.decode([...ppl.promptIds, ...(ppl.continuations[index] ?? [])], false)).toBe(EXPECTED_CHAT + letter);
    }
    const base = await firstPrompt(model, tinyCevalDataDir(), 'gen', false);
    expect(base.promptText).toBe(EXPECTED_BASE);
  });

  it('real data: computer_network val row 0 with the first five dev rows as shots', async () => {
    const model = new ScriptedModel();
    const gen = await firstPrompt(model, BENCHMARKS_DIR, 'gen', true);
    expect(gen.promptText.startsWith(`<s><|im_start|>user\n${HEAD}下列设备属于资源子网的是____。\nA. 计算机软件\nB. 网桥\nC. 交换机\nD. 路由器\n答案: <|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n`)).toBe(true);
    expect(gen.promptText.endsWith(`<|im_start|>user\n${HEAD}使用位填充方法，以01111110为位首flag，数据为011011111111111111110010，求问传送时要添加几个0____\nA. 1\nB. 2\nC. 3\nD. 4\n答案: <|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
    expect(gen.promptText.split('<|im_start|>user').length - 1).toBe(6);
  });

  it('CMMLU: its own wording, 答案是: leads the answer turn', async () => {
    const model = new ScriptedModel({ tokenizer: new ByteTokenizer({ chatTemplate: null }) });
    const set = cmmluQuestionSet(BENCHMARKS_DIR, ['agronomy']);
    const [plan] = plannedQuestions(set, 1);
    if (!plan?.questions[0]) throw new Error('no question');
    const gen = await prepareQuestion(model, set, plan.subject, plan.shots, plan.questions[0], 'gen', false, 16);
    expect(gen.promptText.startsWith('<s>以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：肉牛屠宰后，胴体的哪个部位肉质较好\nA. 胸\nB. 腹\nC. 大腿\nD. 小腿\n答案是: C\n以下是关于农学')).toBe(true);
    expect(gen.promptText.endsWith('\nA. 农业生产工具\nB. 土地\nC. 劳动力\nD. 资金\n答案是: ')).toBe(true);
  });

  it('--show-prompt prints the first question of the subject exactly as the model gets it', async () => {
    const settings = { preset: 'ceval', dataDir: tinyCevalDataDir(), split: 'val', chat: 'auto', mode: 'gen', maxOutLen: 16, batchSize: 8 } as const;
    expect((await showPrompt(new ScriptedModel(), settings, 'computer_network')).prompt).toBe(EXPECTED_CHAT);
    expect((await showPrompt(new ScriptedModel(), { ...settings, chat: 'off' }, 'computer_network')).prompt).toBe(EXPECTED_BASE);
  });

  it('version is a short hash that changes with the prompt settings', () => {
    const base = { style: 'ceval-opencompass-v1', shots: 5, chat: true, mode: 'ppl' };
    expect(promptVersion(base)).toMatch(/^[0-9a-f]{6}$/);
    expect(promptVersion(base)).toBe(promptVersion({ ...base }));
    expect(promptVersion({ ...base, chat: false })).not.toBe(promptVersion(base));
    expect(promptVersion({ ...base, shots: 0 })).not.toBe(promptVersion(base));
  });
});
