/**
 * OpenCompass's few-shot prompt as the list of pieces its PromptTemplate and FixKRetriever build
 * (checked against opencompass/openicl/icl_prompt_template.py, icl_retriever/icl_base_retriever.py
 * and utils/prompt.py PromptList, tags 0.2.4 and main — identical there):
 *
 * - each shot is a HUMAN turn and a BOT turn (the dev row's answer), followed by `ice_separator`;
 *   after the shots comes `ice_eos_token`. Label-keyed (ppl, `prompt_type='origin'`) templates use
 *   the retriever's defaults `'\n'` and `'\n'`; gen templates (`'meta'`) use `''` and `''`. With no
 *   shots the examples are the plain string `ice_eos_token`.
 * - then the question's HUMAN turn and its BOT turn: the label's text in ppl, the answer field
 *   replaced by `''` in gen.
 * - placeholders are filled by `safe_format`: `str.replace('{key}', value)` for each column in the
 *   row's order, first on each shot with its own row, then on the whole prompt with the question's
 *   row — so a shot that contains `{A}` literally gets the question's option A, as in OpenCompass.
 */
import type { ChoiceLetter, ChoiceQuestion } from '../dataset.js';

export type PromptItem = { readonly text: string } | { readonly role: 'HUMAN' | 'BOT'; readonly prompt: string };

/** The dataset config's turn templates (`{question}`, `{A}`… `{answer}` placeholders). */
export interface TurnTemplates {
  readonly human: string;
  readonly bot: string;
  /**
   * A `prompt_template` with ZeroRetriever and no ice token (OpenCompass's custom datasets): no
   * shots, and nothing of the retriever's separators reaches the prompt.
   */
  readonly zeroShot?: boolean;
}

/** Columns in the order the CSV loaders build each row dict (C-Eval: id, question, A…D, answer, explanation). */
function rowEntry(question: ChoiceQuestion, answer: string): [string, string][] {
  return [
    ['question', question.question], ['A', question.choices.A], ['B', question.choices.B],
    ['C', question.choices.C], ['D', question.choices.D], ['answer', answer],
  ];
}

/** OpenCompass's safe_format: replace each `{key}` by its value, key by key in row order. */
export function safeFormat(text: string, entry: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [key, value] of entry) out = out.split(`{${key}}`).join(value);
  return out;
}

function formatItem(item: PromptItem, entry: readonly (readonly [string, string])[]): PromptItem {
  return 'text' in item ? { text: safeFormat(item.text, entry) } : { role: item.role, prompt: safeFormat(item.prompt, entry) };
}

/**
 * The pieces of one question's prompt. `label`: the ppl option being scored (its BOT text); absent
 * for gen (BOT text with the answer replaced by '').
 */
export function openCompassPromptItems(templates: TurnTemplates, shots: readonly ChoiceQuestion[], question: ChoiceQuestion, label?: ChoiceLetter): PromptItem[] {
  const ppl = label !== undefined;
  const separator = ppl ? '\n' : '';
  const items: PromptItem[] = [];
  if (templates.zeroShot) {
    const entry = rowEntry(question, ppl ? question.answer ?? '' : '');
    return [
      { role: 'HUMAN', prompt: templates.human },
      { role: 'BOT', prompt: ppl ? safeFormat(templates.bot, [['answer', label]]) : templates.bot },
    ].map((item) => formatItem(item as PromptItem, entry));
  }
  for (const shot of shots) {
    const entry = rowEntry(shot, shot.answer ?? '');
    items.push(formatItem({ role: 'HUMAN', prompt: templates.human }, entry));
    // ppl templates are keyed by label: the shot's BOT turn is the template of its answer label.
    items.push(formatItem({ role: 'BOT', prompt: ppl ? safeFormat(templates.bot, [['answer', shot.answer ?? '']]) : templates.bot }, entry));
    items.push({ text: separator });
  }
  items.push({ text: separator });
  items.push({ role: 'HUMAN', prompt: templates.human });
  items.push({ role: 'BOT', prompt: ppl ? safeFormat(templates.bot, [['answer', label]]) : templates.bot });
  // The whole prompt is formatted with the question's row; gen replaces the answer column by ''.
  const entry = rowEntry(question, ppl ? question.answer ?? '' : '');
  return items.map((item) => formatItem(item, entry));
}

/** LMTemplateParser without a meta template (base models): non-empty pieces joined with '\n'. */
export function renderPlain(items: readonly PromptItem[]): string {
  let prompt = '';
  let lastSeparator = '';
  for (const item of items) {
    const text = 'text' in item ? item.text : item.prompt;
    if (text) prompt += lastSeparator + text;
    // Set after every piece, empty ones included (so a prompt that starts with an empty piece starts with '\n').
    lastSeparator = '\n';
  }
  return prompt;
}

/** A meta template's turn markers (OpenCompass model config `meta_template.round`). */
export interface MetaTemplate {
  readonly human: { readonly begin: string; readonly end: string };
  readonly bot: { readonly begin: string; readonly end: string };
}

/** configs/models/hf_internlm/hf_internlm2_chat_*.py (0.2.4) `_meta_template`. */
export const INTERNLM2_CHAT_META_TEMPLATE: MetaTemplate = {
  human: { begin: '<|im_start|>user\n', end: '<|im_end|>\n' },
  bot: { begin: '<|im_start|>assistant\n', end: '<|im_end|>\n' },
};

/**
 * LMTemplateParser with a meta template (0.2.4 chat models): strings as they are, each turn wrapped
 * in its role's begin/end; in gen mode the question's BOT turn stops after its `begin` (the BOT role
 * has `generate=True`).
 */
export function renderWithMetaTemplate(items: readonly PromptItem[], meta: MetaTemplate, mode: 'gen' | 'ppl'): string {
  let prompt = '';
  items.forEach((item, index) => {
    if ('text' in item) {
      prompt += item.text;
      return;
    }
    const role = item.role === 'HUMAN' ? meta.human : meta.bot;
    if (mode === 'gen' && item.role === 'BOT' && index === items.length - 1) {
      prompt += role.begin;
      return;
    }
    prompt += role.begin + item.prompt + role.end;
  });
  return prompt;
}

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/**
 * Current OpenCompass's HuggingFacewithChatTemplate (gen only): APITemplateParser with its default
 * meta template (rounds HUMAN, SYSTEM→HUMAN, BOT) gives each round a HUMAN, an empty SYSTEM-as-HUMAN
 * and a BOT prompt, merges consecutive same-role prompts with '\n' (so every user turn ends in
 * '\n'), stops at the question's BOT turn and ignores bare strings; `_convert_chat_messages` then
 * drops empty prompts and merges again. The result goes through the checkpoint's chat template.
 */
export function chatTemplateMessages(items: readonly PromptItem[]): ChatTurn[] {
  const parsed: { role: 'HUMAN' | 'BOT'; prompt: string }[] = [];
  const push = (role: 'HUMAN' | 'BOT', prompt: string): void => {
    const last = parsed[parsed.length - 1];
    if (last && last.role === role) last.prompt += `\n${prompt}`;
    else parsed.push({ role, prompt });
  };
  items.forEach((item, index) => {
    if ('text' in item) return;
    if (item.role === 'BOT' && index === items.length - 1) return;
    push(item.role, item.prompt);
    if (item.role === 'HUMAN') push('HUMAN', '');
  });
  const messages: ChatTurn[] = [];
  for (const { role, prompt } of parsed) {
    if (!prompt) continue;
    const turnRole = role === 'HUMAN' ? 'user' : 'assistant';
    const last = messages[messages.length - 1];
    if (last && last.role === turnRole) messages[messages.length - 1] = { role: turnRole, content: `${last.content}\n${prompt}` };
    else messages.push({ role: turnRole, content: prompt });
  }
  return messages;
}
