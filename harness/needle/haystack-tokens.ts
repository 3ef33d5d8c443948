/**
 * Token counts of a haystack's sentences for one tokenizer, encoded once per sentence on first use
 * and shared by every cell of a sweep. Cells are then assembled by adding counts instead of
 * re-tokenizing 32k-token texts for every try; only the final prompt is encoded whole (to verify).
 */
import type { TextTokenizer } from '../../engine/language-model.js';
import type { Haystack } from './haystack.js';

export class HaystackTokens {
  readonly haystack: Haystack;
  private readonly tokenizer: TextTokenizer;
  private readonly counts: (number | undefined)[];
  /** Milliseconds spent encoding sentences (planning cost, reported by the bench). */
  encodeMs = 0;

  constructor(haystack: Haystack, tokenizer: TextTokenizer) {
    this.haystack = haystack;
    this.tokenizer = tokenizer;
    this.counts = new Array<number | undefined>(haystack.sentences.length).fill(undefined);
  }

  get sentenceCount(): number {
    return this.haystack.sentences.length;
  }

  /** Sentence `index` modulo the haystack length (a window longer than the text wraps around). */
  sentence(index: number): string {
    return this.haystack.sentences[index % this.sentenceCount] ?? '';
  }

  async count(index: number): Promise<number> {
    const at = index % this.sentenceCount;
    const known = this.counts[at];
    if (known !== undefined) return known;
    const started = performance.now();
    const count = (await this.tokenizer.encode(this.haystack.sentences[at] ?? '')).length;
    this.encodeMs += performance.now() - started;
    this.counts[at] = count;
    return count;
  }
}
