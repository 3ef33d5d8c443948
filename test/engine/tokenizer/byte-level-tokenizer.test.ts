import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@anush008/tokenizers';
import { describe, expect, it } from 'vitest';
import { buildByteLevelTokenizer, bytesToUnicode, ENGLISH_MERGES, SPECIAL_TOKENS } from '../../../engine/tokenizer/byte-level-tokenizer.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

const TEXTS = [
  'The quick brown fox jumps over the lazy dog. 0123456789 !@#$%^&*()',
  '大语言模型的长上下文测试：在文本中插入一根针。',
  'emoji 🧭🪐👩‍🔬 and ZWJ sequences, tabs\tand\nnewlines  double  spaces',
  'mixed: café naïve Ωμέγα — “quotes” ¡olé!',
];

async function ids(tokenizer: Tokenizer, text: string): Promise<number[]> {
  return (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
}

describe('bytesToUnicode', () => {
  it('is GPT-2\'s table: printable bytes as themselves, the rest from U+0100, all distinct', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x41]).toBe('A');
    expect(table[0x20]).toBe('Ġ');
    expect(table[0x0a]).toBe('Ċ');
    expect(table[0x00]).toBe('Ā');
    expect(table[0xad]).toBe('Ń');
  });

  it('orders byte tokens as the fixtures\' tokenizer.json does', () => {
    const fixture = JSON.parse(readFileSync(join(fixtureDir('tiny-fp32'), 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    const ours = JSON.parse(buildByteLevelTokenizer().tokenizerJson) as { model: { vocab: Record<string, number> } };
    for (const [token, id] of Object.entries(ours.model.vocab)) expect(fixture.model.vocab[token]).toBe(id);
  });
});

for (const [label, merges] of [['without merges', []], ['with English merges', ENGLISH_MERGES]] as const) {
  describe(`buildByteLevelTokenizer ${label}, loaded by @anush008/tokenizers`, () => {
    const vocabulary = buildByteLevelTokenizer(merges);
    const tokenizer = Tokenizer.fromString(vocabulary.tokenizerJson);

    it('has specials at 0..4, 256 bytes, one token per merge', () => {
      expect(vocabulary.vocabSize).toBe(5 + 256 + merges.length);
      expect(tokenizer.getVocabSize(true)).toBe(vocabulary.vocabSize);
      SPECIAL_TOKENS.forEach((token, id) => expect(tokenizer.tokenToId(token)).toBe(id));
    });

    it('round-trips ASCII, Chinese and emoji text', async () => {
      for (const text of TEXTS) {
        const encoded = await ids(tokenizer, text);
        expect(await tokenizer.decode(encoded, true)).toBe(text);
        const bytes = Buffer.byteLength(text, 'utf8');
        if (merges.length === 0) {
          // One token per UTF-8 byte: exactly the byte ids, in order.
          expect(encoded).toEqual([...Buffer.from(text, 'utf8')].map((b) => vocabulary.byteTokenIds[b]));
        } else if (text === TEXTS[0]) {
          expect(encoded.length).toBeLessThan(bytes); // English text: merges shorten it
        } else {
          expect(encoded.length).toBeLessThanOrEqual(bytes);
        }
      }
    });

    it('maps special token strings in text to their ids', async () => {
      const encoded = await ids(tokenizer, '<s><|im_start|>user\nhi<|im_end|>\n</s>');
      expect(encoded[0]).toBe(1);
      expect(encoded[1]).toBe(3);
      expect(encoded).toContain(4);
      expect(encoded.at(-1)).toBe(2);
      expect(await tokenizer.decode(encoded, true)).toBe('user\nhi\n');
    });
  });
}

describe('buildByteLevelTokenizer merges', () => {
  it('applies a merge (" the" is one token) and rejects merges of unknown tokens', async () => {
    const vocabulary = buildByteLevelTokenizer(ENGLISH_MERGES);
    const tokenizer = Tokenizer.fromString(vocabulary.tokenizerJson);
    expect(await ids(tokenizer, ' the')).toEqual([tokenizer.tokenToId('Ġthe')]);
    expect(() => buildByteLevelTokenizer([['xy', 'z']])).toThrow(/not in the vocabulary/);
    expect(() => buildByteLevelTokenizer([['a', 'b'], ['a', 'b']])).toThrow(/already a token/);
  });
});
