/**
 * One question as a given OpenCompass version feeds it to the model: the exact text (gen: up to
 * where the answer begins; ppl: the four whole sequences, one per option), after OpenCompass's
 * max_seq_len shot dropping, as token ids.
 *
 * - 0.2.4, chat (`--chat on`): HuggingFaceCausalLM with the hf_internlm2_chat_* meta template
 *   through LMTemplateParser; base (`--chat off`): the `--hf-path` run, LMTemplateParser without a
 *   meta template. The HF tokenizer adds bos in both.
 * - current (`opencompass`), chat: HuggingFacewithChatTemplate (gen only; the class has no
 *   get_ppl): APITemplateParser messages through the checkpoint's chat template (bos from the
 *   template). Base: HuggingFaceBaseModel, LMTemplateParser without meta template, bos added.
 * - Shot dropping (icl_gen_inferencer / icl_ppl_inferencer): while the prompt has more than
 *   max_seq_len tokens (bos included), drop the last shot. In ppl this runs per option in label
 *   order A, B, C, D and the shorter shot list carries over to the next option.
 */
import { UserError, type TextTokenizer } from '../../../engine/language-model.js';
import { CHOICE_LETTERS, type ChoiceLetter, type ChoiceQuestion } from '../dataset.js';
import { encodePrompt } from '../prompt.js';
import {
  INTERNLM2_CHAT_META_TEMPLATE, chatTemplateMessages, openCompassPromptItems, renderPlain, renderWithMetaTemplate, type TurnTemplates,
} from './prompt-items.js';

export type OpenCompassVersion = 'opencompass-0.2.4' | 'opencompass';

export interface OpenCompassSettings {
  readonly compat: OpenCompassVersion;
  readonly mode: 'gen' | 'ppl';
  readonly chat: boolean;
  /** OpenCompass's model max_seq_len: shots are dropped until the prompt fits it. */
  readonly maxSeqLen: number;
  readonly maxOutLen: number;
}

/** The rendered text of one prompt (gen) or one option's whole sequence (ppl), without bos unless the chat template writes it. */
export function renderOpenCompassText(settings: OpenCompassSettings, templates: TurnTemplates, shots: readonly ChoiceQuestion[], question: ChoiceQuestion,
  tokenizer: TextTokenizer, label?: ChoiceLetter): string {
  const items = openCompassPromptItems(templates, shots, question, label);
  if (!settings.chat) return renderPlain(items);
  if (settings.compat === 'opencompass-0.2.4') return renderWithMetaTemplate(items, INTERNLM2_CHAT_META_TEMPLATE, label === undefined ? 'gen' : 'ppl');
  return tokenizer.renderChat(chatTemplateMessages(items), true);
}

/** Refuses settings OpenCompass itself cannot run, before any question is rendered. */
export function checkOpenCompassSettings(settings: OpenCompassSettings, tokenizer: TextTokenizer): void {
  if (settings.compat === 'opencompass' && settings.chat && settings.mode === 'ppl') {
    throw new UserError(
      '--compat opencompass --mode ppl with a chat format: current OpenCompass runs chat models with HuggingFacewithChatTemplate, which has no ppl scoring',
      'use --mode gen, or --chat off (HuggingFaceBaseModel), or --compat opencompass-0.2.4 for its chat-model ppl',
    );
  }
  if (settings.compat === 'opencompass-0.2.4' && settings.chat && (tokenizer.tokenId('<|im_start|>') === undefined || tokenizer.tokenId('<|im_end|>') === undefined)) {
    throw new UserError(
      '--compat opencompass-0.2.4 with a chat format uses the meta template of OpenCompass\'s InternLM2 chat configs (<|im_start|>…<|im_end|>), and this tokenizer lacks those tokens',
      'use --chat off for this model',
    );
  }
  if (settings.compat === 'opencompass' && settings.chat && !tokenizer.hasChatTemplate) {
    throw new UserError('--compat opencompass with a chat format renders through the checkpoint\'s chat template, and this checkpoint has none', 'use --chat off');
  }
  if (!Number.isInteger(settings.maxSeqLen) || settings.maxSeqLen < 1) {
    throw new UserError(`--max-seq-len ${settings.maxSeqLen}: expected a whole number of tokens ≥ 1`, 'OpenCompass model configs use 2048; the published seeds\' runs used 1024');
  }
}

export interface OpenCompassSequence {
  readonly text: string;
  readonly ids: number[];
  /** Shots left after dropping. */
  readonly shots: number;
}

export interface OpenCompassQuestion {
  /** gen: the prompt; ppl: absent. */
  readonly prompt?: OpenCompassSequence;
  /** ppl: one whole sequence per option, A–D. */
  readonly options?: Readonly<Record<ChoiceLetter, OpenCompassSequence>>;
  /** Shots used (ppl: the fewest over the options, which is the last option's). */
  readonly shots: number;
  /** Set when OpenCompass would truncate the tokens it runs: gnomon skips the question instead (counted). */
  readonly truncation?: string;
}

async function fitted(settings: OpenCompassSettings, templates: TurnTemplates, shots: readonly ChoiceQuestion[], question: ChoiceQuestion, tokenizer: TextTokenizer,
  startShots: number, label?: ChoiceLetter): Promise<OpenCompassSequence> {
  let count = startShots;
  for (;;) {
    const text = renderOpenCompassText(settings, templates, shots.slice(0, count), question, tokenizer, label);
    const ids = await encodePrompt(text, tokenizer);
    if (count === 0 || ids.length <= settings.maxSeqLen) return { text, ids, shots: count };
    count -= 1;
  }
}

export async function prepareOpenCompassQuestion(settings: OpenCompassSettings, templates: TurnTemplates, shots: readonly ChoiceQuestion[], question: ChoiceQuestion,
  tokenizer: TextTokenizer): Promise<OpenCompassQuestion> {
  if (settings.mode === 'gen') {
    const prompt = await fitted(settings, templates, shots, question, tokenizer, shots.length);
    // 0.2.4's HuggingFace models tokenize gen prompts with max_length = max_seq_len - max_out_len;
    // HuggingFacewithChatTemplate / HuggingFaceBaseModel with max_length = max_seq_len.
    const limit = settings.compat === 'opencompass-0.2.4' ? settings.maxSeqLen - settings.maxOutLen : settings.maxSeqLen;
    const truncation = prompt.ids.length > limit
      ? `OpenCompass (${settings.compat}) would cut this ${prompt.ids.length}-token prompt to ${limit} tokens (${settings.compat === 'opencompass-0.2.4' ? 'max_seq_len - max_out_len' : 'max_seq_len'}) even with ${prompt.shots} shots; gnomon does not run cut prompts`
      : undefined;
    return { prompt, shots: prompt.shots, ...(truncation ? { truncation } : {}) };
  }
  const options: Partial<Record<ChoiceLetter, OpenCompassSequence>> = {};
  let count = shots.length;
  for (const letter of CHOICE_LETTERS) {
    const sequence = await fitted(settings, templates, shots, question, tokenizer, count, letter);
    options[letter] = sequence;
    count = sequence.shots;
  }
  const complete = options as Record<ChoiceLetter, OpenCompassSequence>;
  const longest = Math.max(...CHOICE_LETTERS.map((letter) => complete[letter].ids.length));
  const truncation = longest > settings.maxSeqLen
    ? `OpenCompass (${settings.compat}) would cut this ${longest}-token sequence to max_seq_len ${settings.maxSeqLen} even with ${count} shots; gnomon does not run cut sequences`
    : undefined;
  return { options: complete, shots: count, ...(truncation ? { truncation } : {}) };
}

/** The longest common leading run of the options' texts: what `--show-prompt` prints as the prompt in ppl mode. */
export function commonTextPrefix(texts: readonly string[]): string {
  const [first = '', ...rest] = texts;
  let length = first.length;
  for (const text of rest) {
    let i = 0;
    while (i < length && i < text.length && text[i] === first[i]) i += 1;
    length = i;
  }
  return first.slice(0, length);
}

/**
 * The options' token sequences as one prefix-shared scoring request: the longest common leading
 * run of tokens (at least bos, and leaving every option at least one token) is the prefix.
 */
export function sharedTokenPrefix(sequences: readonly (readonly number[])[]): { prefixIds: number[]; continuations: number[][] } {
  const shortest = Math.min(...sequences.map((s) => s.length));
  const [first = []] = sequences;
  let length = 0;
  while (length < shortest - 1 && sequences.every((s) => s[length] === first[length])) length += 1;
  length = Math.max(1, length);
  return { prefixIds: first.slice(0, length), continuations: sequences.map((s) => s.slice(length)) };
}

/**
 * OpenCompass's ppl score of one option, as a log-prob (higher is better): minus its mean token
 * loss, i.e. the summed log-probs of every predicted token (all but the first) divided by the
 * sequence's token count including the first (HuggingFace get_ppl divides the loss sum by the
 * number of non-pad tokens).
 */
export function meanSequenceLogprob(prefixTokenLogprobs: readonly number[], continuationLogprobs: readonly number[]): number {
  const sum = prefixTokenLogprobs.reduce((a, b) => a + b, 0) + continuationLogprobs.reduce((a, b) => a + b, 0);
  const tokens = prefixTokenLogprobs.length + 1 + continuationLogprobs.length;
  return sum / tokens;
}
