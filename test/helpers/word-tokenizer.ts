/**
 * A word-level TextTokenizer for tests whose arithmetic must be exact: every word (with the
 * whitespace before it), every punctuation mark and every CJK character is one token, so the tokens
 * of a concatenation are the concatenation of the tokens. Ids are assigned on first sight; special
 * tokens have fixed ids. `renderChat` writes an InternLM2-style template when `chat` is set.
 */
import type { ChatMessage, TextTokenizer } from '../../engine/language-model.js';

const SPECIALS = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;
const PIECE = /<\|im_start\|>|<\|im_end\|>|<s>|<\/s>|\s+(?=<\|im_start\|>|<\|im_end\|>|<s>|<\/s>)|\s*(?:\p{Script=Han}|[\p{L}\p{N}]+|[^\s\p{L}\p{N}])|\s+$/gu;

export class WordTokenizer implements TextTokenizer {
  readonly hasChatTemplate: boolean;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly addBos = true;
  readonly stopTokenIds: readonly number[] = [2, 4];
  private readonly ids = new Map<string, number>();
  private readonly pieces: string[] = [];
  /** Calls to `encode`, for tests that check the planner's tokenizing cost. */
  encodeCalls = 0;

  constructor(options: { chat?: boolean } = {}) {
    this.hasChatTemplate = options.chat ?? false;
    for (const special of SPECIALS) this.idOf(special);
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The pieces `encode` splits text into. */
  static split(text: string): string[] {
    return text.match(PIECE) ?? [];
  }

  async encode(text: string): Promise<number[]> {
    this.encodeCalls += 1;
    return WordTokenizer.split(text).map((piece) => this.idOf(piece));
  }

  async decode(ids: readonly number[], skipSpecialTokens = true): Promise<string> {
    return ids
      .map((id) => this.pieces[id] ?? '')
      .filter((piece) => !(skipSpecialTokens && (SPECIALS as readonly string[]).includes(piece)))
      .join('');
  }

  tokenId(token: string): number | undefined {
    return this.ids.get(token);
  }

  renderChat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    const turns = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
    return `<s>${turns}${addGenerationPrompt ? '<|im_start|>assistant\n' : ''}`;
  }

  private idOf(piece: string): number {
    let id = this.ids.get(piece);
    if (id === undefined) {
      id = this.pieces.length;
      this.pieces.push(piece);
      this.ids.set(piece, id);
    }
    return id;
  }
}
