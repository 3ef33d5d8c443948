/**
 * Pieces a converter must survive, in a SentencePiece model written byte by byte here (the protobuf of
 * sentencepiece_model.proto): a piece that is a byte-order mark, one that is a NUL character, a
 * user-defined piece. Both were lost or fatal before: the BOM was stripped by the UTF-8 decoder, and
 * the NUL piece made loading fail ("nul byte found") in the tokenizers binding's getVocab.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSentencePieceModel, PieceType } from '../../../engine/tokenizer/sentencepiece-model.js';
import { loadTokenizer, vocabularySize } from '../../../engine/tokenizer/tokenizer.js';
import { UserError } from '../../../engine/errors.js';
import { makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

const key = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const lengthDelimited = (field: number, payload: readonly number[]): number[] => [...key(field, 2), ...varint(payload.length), ...payload];
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

function piece(text: string, score: number, type: PieceType): number[] {
  const scoreBytes = Buffer.alloc(4);
  scoreBytes.writeFloatLE(score);
  return lengthDelimited(1, [...lengthDelimited(1, utf8(text)), ...key(2, 5), ...scoreBytes, ...key(3, 0), ...varint(type)]);
}

/** Ids: 0 <unk>, 1 <s>, 2 </s>, 3 NUL, 4 BOM, 5 "a", 6 "b", 7 "ab", 8 "<tool>" (user-defined). */
const PIECES: [string, number, PieceType][] = [
  ['<unk>', 0, PieceType.Unknown],
  ['<s>', 0, PieceType.Control],
  ['</s>', 0, PieceType.Control],
  ['\u0000', -1, PieceType.Normal],
  ['\uFEFF', -2, PieceType.Normal],
  ['a', -3, PieceType.Normal],
  ['b', -4, PieceType.Normal],
  ['ab', -0.5, PieceType.Normal],
  ['<tool>', 0, PieceType.UserDefined],
];

const modelBytes = Uint8Array.from([
  ...PIECES.flatMap(([text, score, type]) => piece(text, score, type)),
  // TrainerSpec: model_type BPE (2).
  ...lengthDelimited(2, [...key(3, 0), ...varint(2)]),
  // NormalizerSpec: "identity", no dummy prefix, no whitespace clean-up (InternLM2's settings).
  ...lengthDelimited(3, [...lengthDelimited(1, utf8('identity')), ...key(3, 0), 0, ...key(4, 0), 0]),
]);

const scratch = makeTempFolder('gnomon-awkward-pieces-');
const previousCache = process.env['GNOMON_CACHE'];
beforeAll(() => {
  process.env['GNOMON_CACHE'] = join(scratch, 'cache');
});
afterAll(() => {
  if (previousCache === undefined) delete process.env['GNOMON_CACHE'];
  else process.env['GNOMON_CACHE'] = previousCache;
  removeTempFolder(scratch);
});

describe('pieces that are a BOM, a NUL or user-defined', () => {
  it('parses every piece as written, the byte-order mark included', () => {
    const model = parseSentencePieceModel(modelBytes, 'hand-written.model');
    expect(model.pieces.map((p) => [p.piece, p.score, p.type])).toEqual(PIECES);
    expect(model.trainer.modelType).toBe('bpe');
    expect(model.normalizer.addDummyPrefix).toBe(false);
  });

  it('loads from tokenizer.model alone and keeps each piece as its own id', async () => {
    const dir = join(scratch, 'model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokenizer.model'), modelBytes);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));
    const lines: string[] = [];
    const tokenizer = await loadTokenizer(dir, { log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(tokenizer.vocabSize).toBe(9);
    expect(await tokenizer.encode('\uFEFF')).toEqual([4]);
    expect(await tokenizer.encode('\u0000ab\uFEFFa<tool>')).toEqual([3, 7, 4, 5, 8]);
    expect(await tokenizer.decode([3, 7, 4, 5, 8])).toBe('\u0000ab\uFEFFa<tool>');
    expect(tokenizer.tokenId('\u0000')).toBe(3);
    expect(tokenizer.tokenId('\uFEFF')).toBe(4);
  });
});

describe('the conversion cache', () => {
  it('says how to go on when the cache folder cannot be written, and writes nothing into the model folder', async () => {
    const dir = join(scratch, 'unwritable-cache');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokenizer.model'), modelBytes);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>' }));
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, '');
    process.env['GNOMON_CACHE'] = join(blocker, 'cache');
    try {
      const error = await loadTokenizer(dir).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toContain(`cannot write the tokenizer converted from ${join(dir, 'tokenizer.model')} into the cache folder ${join(blocker, 'cache', 'tokenizers')}`);
      expect((error as UserError).hint).toBe(`set GNOMON_CACHE to a writable folder, or write tokenizer.json into the model folder once with: harness convert-tokenizer ${dir}`);
      expect(readdirSync(dir).sort()).toEqual(['tokenizer.model', 'tokenizer_config.json']);
    } finally {
      process.env['GNOMON_CACHE'] = join(scratch, 'cache');
    }
  });
});

describe('vocabularySize', () => {
  it('is one more than the largest id of the model and the added tokens', () => {
    expect(vocabularySize({ model: { vocab: { a: 0, b: 5 } }, added_tokens: [{ id: 7, content: '<x>' }] }, 'f')).toBe(8);
    expect(vocabularySize({ model: { vocab: [['a', 0], ['b', -1]] }, added_tokens: [] }, 'f')).toBe(2);
  });

  it('names the file when the vocabulary is malformed', () => {
    expect(() => vocabularySize({ model: { vocab: { a: 'x' } } }, 'dir/tokenizer.json')).toThrow(UserError);
    expect(() => vocabularySize({ model: { vocab: 3 } }, 'dir/tokenizer.json')).toThrow(/dir\/tokenizer\.json: model\.vocab is neither/);
    expect(() => vocabularySize({}, 'dir/tokenizer.json')).toThrow(/no "model" object/);
  });
});
