/**
 * OpenCompass's `version` column: the first 6 hex digits of sha256 over
 * `json.dumps(dataset_cfg.infer_cfg.to_dict(), sort_keys=True)` (opencompass/utils/prompt.py
 * get_prompt_hash, same in 0.2.4 and main), after it moves the retriever's `fix_id_list` into the
 * inferencer. Each `type` is the string mmengine's config keeps for an imported class: the import
 * line's module and name (`opencompass.openicl.icl_retriever.FixKRetriever`). Checked against the
 * values OpenCompass prints (ceval-computer_network db9ce2 and ceval-operating_system 1c2571 in
 * ceval_gen) and against the hashes of all 52 subjects computed by its own get_prompt_hash
 * (test/data/opencompass).
 */
import { createHash } from 'node:crypto';
import { CHOICE_LETTERS } from '../dataset.js';
import type { TurnTemplates } from './prompt-items.js';

type JsonValue = string | number | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Python's json.dumps(value, sort_keys=True): ', ' and ': ' separators, non-ASCII as \uXXXX. */
export function pythonJsonDumps(value: JsonValue): string {
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map(pythonJsonDumps).join(', ')}]`;
  const object = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((key) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(object[key] as JsonValue)}`).join(', ')}}`;
}

/** The infer_cfg of ceval_gen_5f30c7 / ceval_ppl_578f8d (and cmmlu_gen_c13365 / cmmlu_ppl_8b9c76) for one subject. */
export function openCompassInferConfig(templates: TurnTemplates, mode: 'gen' | 'ppl', shots: number): JsonValue {
  const round = (bot: string): JsonValue => [{ role: 'HUMAN', prompt: templates.human }, { role: 'BOT', prompt: bot }];
  if (templates.zeroShot) {
    // datasets/custom.py: prompt_template, ZeroRetriever; stringfy_types writes each class's own module.
    const template: JsonValue = mode === 'gen'
      ? { round: round(templates.bot) }
      : Object.fromEntries(CHOICE_LETTERS.map((letter) => [letter, { round: round(templates.bot.split('{answer}').join(letter)) }]));
    return {
      prompt_template: { type: 'opencompass.openicl.icl_prompt_template.PromptTemplate', template },
      retriever: { type: 'opencompass.openicl.icl_retriever.icl_zero_retriever.ZeroRetriever' },
      inferencer: { type: mode === 'gen' ? 'opencompass.openicl.icl_inferencer.icl_gen_inferencer.GenInferencer' : 'opencompass.openicl.icl_inferencer.icl_ppl_inferencer.PPLInferencer' },
    };
  }
  const template: JsonValue = mode === 'gen'
    ? { begin: '</E>', round: round(templates.bot) }
    : Object.fromEntries(CHOICE_LETTERS.map((letter) => [letter, { begin: '</E>', round: round(templates.bot.split('{answer}').join(letter)) }]));
  return {
    ice_template: { type: 'opencompass.openicl.icl_prompt_template.PromptTemplate', template, ice_token: '</E>' },
    retriever: { type: 'opencompass.openicl.icl_retriever.FixKRetriever' },
    inferencer: {
      type: mode === 'gen' ? 'opencompass.openicl.icl_inferencer.GenInferencer' : 'opencompass.openicl.icl_inferencer.PPLInferencer',
      fix_id_list: Array.from({ length: shots }, (_, i) => i),
    },
  };
}

export function openCompassVersion(templates: TurnTemplates, mode: 'gen' | 'ppl', shots: number): string {
  return createHash('sha256').update(pythonJsonDumps(openCompassInferConfig(templates, mode, shots))).digest('hex').slice(0, 6);
}
