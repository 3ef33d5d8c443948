/**
 * Few-shot multiple-choice prompts as OpenCompass builds them.
 *
 * What OpenCompass does (configs/datasets/ceval/ceval_gen_5f30c7.py and ceval_ppl_578f8d.py,
 * opencompass/models/base.py LMTemplateParser), checked against its source:
 * - The in-context template is a dialogue round: HUMAN `以下是中国关于{中文科目名}考试的单项选择题，请选出其中的
 *   正确答案。\n{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\n答案: ` and BOT `{answer}`. FixKRetriever with
 *   fix_id_list [0..4] takes the first five rows of the dev split as shots, each one HUMAN + BOT round,
 *   then the question's HUMAN turn; gen mode stops at the BOT turn, ppl mode fills it with A/B/C/D.
 * - Chat models (a meta template) get every round through the chat format
 *   (`<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n…<|im_end|>\n`), ending with the assistant
 *   header; here that is the checkpoint's own chat template (`tokenizer.renderChat`).
 * - Base models (no meta template) get the turns' texts joined with "\n" (LMTemplateParser's
 *   `last_sep`), empty turns dropped: `…答案: \nA\n以下是…答案: ` — so in gen mode the prompt ends with
 *   `答案: ` and in ppl mode the letter follows after a "\n".
 * - CMMLU (cmmlu_gen_c13365.py) puts `答案是: ` at the start of the BOT turn: the answer turn is
 *   `答案是: {answer}`, kept in the prompt for base models and scored before the letter in ppl mode.
 * - gnomon's own ppl mode ranks the letters by their log-probability after the shared prompt, and
 *   joins ppl shots like gen ones. That is NOT OpenCompass's rule: OpenCompass compares the mean loss
 *   of four whole sequences (with a chat template the scored tail is `A<|im_end|>\n`, not the letter
 *   alone) and its label-keyed ppl templates put `\n` separators between shots. `--compat
 *   opencompass*` reproduces that exactly (harness/ceval/opencompass/).
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, TextTokenizer } from '../../engine/language-model.js';
import type { ChoiceLetter, ChoiceQuestion } from './dataset.js';

export interface PromptStyle {
  /** Stable name of the template, part of the version hash. */
  readonly id: string;
  /** The question turn (HUMAN), given the subject's display name in the prompt language. */
  questionTurn(subjectName: string, question: ChoiceQuestion): string;
  /** Text of the answer turn before the letter (`答案是: ` for CMMLU, empty for C-Eval). */
  readonly answerLead: string;
}

function optionLines(question: ChoiceQuestion): string {
  return `A. ${question.choices.A}\nB. ${question.choices.B}\nC. ${question.choices.C}\nD. ${question.choices.D}`;
}

export const CEVAL_PROMPT: PromptStyle = {
  id: 'ceval-opencompass-v1',
  questionTurn: (name, q) => `以下是中国关于${name}考试的单项选择题，请选出其中的正确答案。\n${q.question}\n${optionLines(q)}\n答案: `,
  answerLead: '',
};

export const CMMLU_PROMPT: PromptStyle = {
  id: 'cmmlu-opencompass-v1',
  questionTurn: (name, q) => `以下是关于${name}的单项选择题，请直接给出正确答案的选项。\n题目：${q.question}\n${optionLines(q)}`,
  answerLead: '答案是: ',
};

/** Custom sets: C-Eval's wording without the "China exam" framing. */
export const CUSTOM_PROMPT: PromptStyle = {
  id: 'custom-v1',
  questionTurn: (name, q) => `以下是关于${name}的单项选择题，请选出其中的正确答案。\n${q.question}\n${optionLines(q)}\n答案: `,
  answerLead: '',
};

export type ChatChoice = 'auto' | 'on' | 'off';

/** `auto`: chat format when the checkpoint ships a chat template. */
export function useChatFormat(choice: ChatChoice, tokenizer: TextTokenizer): boolean {
  return choice === 'on' || (choice === 'auto' && tokenizer.hasChatTemplate);
}

/** Shots as user/assistant rounds, then the question's user turn. */
export function promptMessages(style: PromptStyle, subjectName: string, shots: readonly ChoiceQuestion[], question: ChoiceQuestion): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const shot of shots) {
    messages.push({ role: 'user', content: style.questionTurn(subjectName, shot) });
    messages.push({ role: 'assistant', content: `${style.answerLead}${shot.answer ?? ''}` });
  }
  messages.push({ role: 'user', content: style.questionTurn(subjectName, question) });
  return messages;
}

export interface PromptTexts {
  /** What gen mode feeds the model: ends where the model's answer begins. */
  readonly generationText: string;
  /** What ppl mode scores the letters after (the letter is appended directly). */
  readonly scoringPrefixText: string;
}

export function renderPromptTexts(style: PromptStyle, messages: readonly ChatMessage[], chat: boolean, tokenizer: TextTokenizer): PromptTexts {
  if (chat) {
    const rendered = tokenizer.renderChat(messages, true);
    return { generationText: rendered, scoringPrefixText: rendered + style.answerLead };
  }
  const joined = messages.map((m) => m.content).filter((text) => text !== '').join('\n');
  return {
    generationText: style.answerLead === '' ? joined : `${joined}\n${style.answerLead}`,
    scoringPrefixText: `${joined}\n${style.answerLead}`,
  };
}

/** Encodes a rendered prompt, adding bos when the tokenizer wants it and the text lacks it. */
export async function encodePrompt(text: string, tokenizer: TextTokenizer): Promise<number[]> {
  const ids = await tokenizer.encode(text);
  if (tokenizer.addBos && tokenizer.bosId !== undefined && ids[0] !== tokenizer.bosId) ids.unshift(tokenizer.bosId);
  return ids;
}

/**
 * Token ids of `letter` as it continues `prefixText`: taken from encoding the joined text where the
 * prefix's tokens are unchanged by the join (so a tokenizer that merges across the boundary, or adds
 * a word-start marker to a lone "A", still scores the tokens the model would see).
 */
export async function continuationIds(prefixText: string, prefixIds: readonly number[], letter: ChoiceLetter, tokenizer: TextTokenizer): Promise<number[]> {
  const joined = await encodePrompt(prefixText + letter, tokenizer);
  const samePrefix = joined.length > prefixIds.length && prefixIds.every((id, index) => joined[index] === id);
  return samePrefix ? joined.slice(prefixIds.length) : tokenizer.encode(letter);
}

/** Short hash of everything that shapes the prompt: OpenCompass-like `version` column. */
export function promptVersion(settings: { readonly style: string; readonly shots: number; readonly chat: boolean; readonly mode: string; readonly maxOutLen?: number }): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 6);
}

/** Identifies one rendered prompt text in the records (same text, same hash, whatever the model). */
export function promptHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
