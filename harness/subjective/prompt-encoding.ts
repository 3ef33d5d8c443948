/**
 * Text → token ids for judge and answer prompts, and the short hash records carry. Kept here rather
 * than shared with another harness so that the subjective records' hashes and bos handling never
 * change when another evaluation's prompt code does.
 */
import { createHash } from 'node:crypto';
import type { TextTokenizer } from '../../engine/language-model.js';

/** Encodes a rendered prompt, prepending bos where the tokenizer wants it and the text lacks it. */
export async function encodePrompt(text: string, tokenizer: TextTokenizer): Promise<number[]> {
  const ids = await tokenizer.encode(text);
  if (tokenizer.addBos && tokenizer.bosId !== undefined && ids[0] !== tokenizer.bosId) ids.unshift(tokenizer.bosId);
  return ids;
}

/** First 12 hex digits of the SHA-256 of the prompt text. */
export function promptHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
