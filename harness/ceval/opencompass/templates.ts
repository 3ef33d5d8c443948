/**
 * The dataset configs' turn templates, per subject (the Chinese name is part of the HUMAN turn):
 * configs/datasets/ceval/ceval_gen_5f30c7.py and ceval_ppl_578f8d.py (same text in both, same in
 * 0.2.4 and main), configs/datasets/cmmlu/cmmlu_gen_c13365.py and cmmlu_ppl_8b9c76.py (0.2.4).
 * Custom sets: OpenCompass's `--custom-dataset-path` config (datasets/custom.py make_mcq_ppl_config,
 * same in 0.2.4 and main) — zero-shot `Question: …` / `Answer: X`; the subject name plays no part.
 */
import type { PromptStyle } from '../prompt.js';
import type { TurnTemplates } from './prompt-items.js';

export function openCompassTemplates(style: PromptStyle, subjectName: string): TurnTemplates {
  // Keyed by gnomon's prompt style of the question set: C-Eval, CMMLU, or a custom file.
  switch (style.id) {
    case 'ceval-opencompass-v1':
      return { human: `以下是中国关于${subjectName}考试的单项选择题，请选出其中的正确答案。\n{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\n答案: `, bot: '{answer}' };
    case 'cmmlu-opencompass-v1':
      return { human: `以下是关于${subjectName}的单项选择题，请直接给出正确答案的选项。\n题目：{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}`, bot: '答案是: {answer}' };
    default:
      // datasets/custom.py make_mcq_ppl_config: zero-shot, its own English wording.
      return { human: 'Question: {question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}', bot: 'Answer: {answer}', zeroShot: true };
  }
}
