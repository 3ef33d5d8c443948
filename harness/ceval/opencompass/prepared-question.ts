/**
 * One question prepared for scoring under `--compat opencompass*`: OpenCompass's rendering
 * (render.ts) turned into what the runner sends to the engine — gen: the prompt's ids; ppl: the four
 * options' whole sequences as one request, their longest common token prefix shared — plus the
 * texts `--show-prompt` and the records show.
 */
import type { LanguageModel, TextTokenizer } from '../../../engine/language-model.js';
import { CHOICE_LETTERS, type ChoiceLetter, type ChoiceQuestion } from '../dataset.js';
import type { QuestionSet, SubjectEntry } from '../question-set.js';
import type { PreparedQuestion } from '../runner.js';
import { commonTextPrefix, prepareOpenCompassQuestion, sharedTokenPrefix, type OpenCompassSettings } from './render.js';
import { openCompassTemplates } from './templates.js';

/** The prompt text as records and `--show-prompt` show it: bos written as `<s>` where it was added. */
async function displayText(text: string, ids: readonly number[], tokenizer: TextTokenizer): Promise<string> {
  if (tokenizer.bosId === undefined || ids[0] !== tokenizer.bosId) return text;
  const bosText = await tokenizer.decode([tokenizer.bosId], false);
  return text.startsWith(bosText) ? `<s>${text.slice(bosText.length)}` : `<s>${text}`;
}

/** One question as an OpenCompass version renders and scores it. */
export async function prepareOpenCompass(model: LanguageModel, set: QuestionSet, subject: SubjectEntry, shots: readonly ChoiceQuestion[],
  question: ChoiceQuestion, settings: OpenCompassSettings): Promise<PreparedQuestion> {
  const tokenizer = model.tokenizer;
  const rendered = await prepareOpenCompassQuestion(settings, openCompassTemplates(set.promptStyle, subject.promptName), shots, question, tokenizer);
  const context = model.info.contextLength;
  if (rendered.prompt) {
    const { ids, text } = rendered.prompt;
    const shown = await displayText(text, ids, tokenizer);
    const skipReason = rendered.truncation ?? (ids.length + 1 > context ? `prompt is ${ids.length} tokens, longer than the model's context of ${context} tokens with one new token` : undefined);
    return {
      question, promptText: shown, promptIds: ids, continuations: [],
      openCompass: { compat: settings.compat, shots: rendered.shots, text: shown, scored: null },
      ...(skipReason ? { skipReason } : {}),
    };
  }
  const options = rendered.options;
  if (!options) throw new Error('OpenCompass ppl rendering returned no options');
  const sequences = CHOICE_LETTERS.map((letter) => options[letter].ids);
  const { prefixIds, continuations } = sharedTokenPrefix(sequences);
  const texts = await Promise.all(CHOICE_LETTERS.map((letter) => displayText(options[letter].text, options[letter].ids, tokenizer)));
  const prompt = commonTextPrefix(texts);
  const scored = Object.fromEntries(CHOICE_LETTERS.map((letter, i) => [letter, (texts[i] ?? '').slice(prompt.length)])) as Record<ChoiceLetter, string>;
  const longest = Math.max(...sequences.map((s) => s.length));
  const skipReason = rendered.truncation ?? (longest > context ? `the longest option's sequence is ${longest} tokens, longer than the model's context of ${context} tokens` : undefined);
  return {
    question, promptText: prompt, promptIds: prefixIds, continuations,
    openCompass: { compat: settings.compat, shots: rendered.shots, text: prompt, scored },
    ...(skipReason ? { skipReason } : {}),
  };
}
