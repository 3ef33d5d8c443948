/**
 * The needle prompt: instructions, the document, then the question (NeedleBench's "End" position,
 * which is also the original needle-in-a-haystack layout). Chat models get it as one user turn in
 * their own chat template with the assistant header appended; base models get the plain text with an
 * answer cue. The words are the project's own, in the spirit of NeedleBench's templates.
 */
import type { TextTokenizer } from '../../engine/language-model.js';
import type { HaystackLanguage } from './haystack.js';

const TEMPLATES: Readonly<Record<HaystackLanguage, { readonly intro: string; readonly question: string; readonly cue: string }>> = {
  en: {
    intro: 'You are a careful assistant. Read the document below and answer the question after it using only the document. Keep the answer short.\n\nDocument:\n',
    question: '\n\nQuestion: ',
    cue: '\nAnswer:',
  },
  zh: {
    intro: '你是一个细心的助手。请阅读下面的文档，只根据文档回答文档后面的问题，回答要简短。\n\n文档：\n',
    question: '\n\n问题：',
    cue: '\n回答：',
  },
};

/** The user message: instructions, document and question. */
export function userMessage(language: HaystackLanguage, document: string, question: string): string {
  const template = TEMPLATES[language];
  return `${template.intro}${document}${template.question}${question}`;
}

/** The full prompt text as the model reads it (chat template applied where the tokenizer has one). */
export function renderPrompt(tokenizer: TextTokenizer, language: HaystackLanguage, document: string, question: string): string {
  const content = userMessage(language, document, question);
  if (tokenizer.hasChatTemplate) return tokenizer.renderChat([{ role: 'user', content }], true);
  return `${content}${TEMPLATES[language].cue}`;
}

/**
 * Token ids of a rendered prompt. A chat template writes bos itself; a base model whose tokenizer
 * asks for bos gets it prepended, since `encode` never adds special tokens.
 */
export async function encodePrompt(tokenizer: TextTokenizer, text: string): Promise<number[]> {
  const ids = await tokenizer.encode(text);
  const bos = tokenizer.bosId;
  if (!tokenizer.hasChatTemplate && tokenizer.addBos && bos !== undefined && ids[0] !== bos) return [bos, ...ids];
  return ids;
}
