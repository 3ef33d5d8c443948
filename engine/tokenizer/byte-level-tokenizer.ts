/**
 * Builds a Hugging Face tokenizer.json for a byte-level BPE vocabulary: InternLM2's five special
 * tokens, the 256 byte tokens, then optional merges. Every string encodes (any UTF-8 text is bytes),
 * so the tiny checkpoints that use it need no trained vocabulary. The layout matches the shared
 * fixtures' tokenizer.json: ByteLevel pre-tokenizer and decoder, GPT-2's byte-to-character table.
 */

/** InternLM2's special tokens at ids 0..4, in this order. */
export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;

/**
 * GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes (controls,
 * space, soft hyphen...) to U+0100 onwards, so every byte is a visible character BPE can work with.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b += 1) {
    table[b] = String.fromCodePoint(printable(b) ? b : next++);
  }
  return table;
}

export interface ByteLevelVocabulary {
  /** tokenizer.json text, ready to write. */
  readonly tokenizerJson: string;
  /** Specials + 256 bytes + one token per merge. */
  readonly vocabSize: number;
  /** Token id of each byte value. */
  readonly byteTokenIds: readonly number[];
  /** Token strings by id (byte-level characters: Ġ is a space). */
  readonly tokens: readonly string[];
}

function specialToken(content: string, id: number): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * Builds the vocabulary. Byte tokens come in code-point order of their characters (as Hugging Face's
 * ByteLevel alphabet is sorted, and as in the fixtures). Each merge [a, b] adds the token a+b; both
 * parts must already be tokens.
 */
export function buildByteLevelTokenizer(merges: readonly (readonly [string, string])[] = []): ByteLevelVocabulary {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((token, id) => { vocab[token] = id; });
  const byteChars = bytesToUnicode();
  const sortedChars = [...byteChars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  sortedChars.forEach((char, i) => { vocab[char] = SPECIAL_TOKENS.length + i; });
  let nextId = SPECIAL_TOKENS.length + 256;
  for (const [left, right] of merges) {
    if (vocab[left] === undefined || vocab[right] === undefined) {
      throw new Error(`buildByteLevelTokenizer: merge [${left}, ${right}] uses a token that is not in the vocabulary yet`);
    }
    const merged = left + right;
    if (vocab[merged] !== undefined) throw new Error(`buildByteLevelTokenizer: merge [${left}, ${right}] makes ${merged}, already a token`);
    vocab[merged] = nextId++;
  }
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((token, id) => specialToken(token, id)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([left, right]) => [left, right]),
    },
  };
  return {
    tokenizerJson: `${JSON.stringify(json, null, 2)}\n`,
    vocabSize: nextId,
    byteTokenIds: byteChars.map((char) => vocab[char]!),
    tokens: Object.entries(vocab).sort(([, a], [, b]) => a - b).map(([token]) => token),
  };
}

/** A few frequent English merges (in byte-level characters: Ġ is a space) so the demo model's tokens are not all single bytes. */
export const ENGLISH_MERGES: readonly (readonly [string, string])[] = [
  ['Ġ', 't'], ['h', 'e'], ['i', 'n'], ['e', 'r'], ['a', 'n'], ['Ġ', 'a'], ['o', 'n'], ['Ġt', 'he'],
  ['r', 'e'], ['Ġ', 's'], ['a', 't'], ['e', 'n'], ['Ġ', 'w'], ['o', 'r'], ['Ġ', 'o'], ['i', 's'],
];
