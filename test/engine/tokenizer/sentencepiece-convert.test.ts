/**
 * tokenizer.model → tokenizer.json, checked against SentencePiece itself: the tests train small models
 * with spm_train on a generated English / Chinese / digit corpus, convert them, load the result with
 * loadTokenizer and compare ids with spm_encode's on many strings.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import convertTokenizerCommand from '../../../harness/commands/convert-tokenizer.js';
import { convertTokenizerFolder, mergesFromVocabulary } from '../../../engine/tokenizer/sentencepiece-convert.js';
import { parseSentencePieceModel, PieceType } from '../../../engine/tokenizer/sentencepiece-model.js';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import type { TextTokenizer } from '../../../engine/language-model.js';
import { hasSentencePieceTools, spmDecodeIds, spmEncodeIds, trainSentencePiece, writeMixedCorpus } from '../../helpers/sentencepiece-tools.js';

const toolsPresent = hasSentencePieceTools();
if (!toolsPresent) {
  console.warn('SKIPPED sentencepiece conversion tests: spm_train/spm_encode not found (apt-get install sentencepiece; .ci/run installs it)');
}

/** Strings without newlines (spm_encode is line-based): every kind of text the harness feeds a model. */
const SAMPLES = [
  'the quick brown fox jumps over the lazy dog',
  'The secret code for the blue door is 4821.',
  'Hello, World! How are you?',
  '以下是中国关于计算机网络考试的单项选择题',
  '请选出正确答案。答案: B',
  '模型model在长文本context中找到needle秘密代码',
  'The secret code 是 4821，蓝色的门。',
  ' leading space',
  'trailing space ',
  '  two leading spaces',
  'two trailing spaces  ',
  'a  b   c    d',
  '   ',
  ' ',
  '',
  '1234567890',
  '3.14159 and 2.71828',
  '2024年11月22日 第3题',
  '007 00 0',
  'café naïve résumé',
  'Straße über',
  '😀 emoji 🎉',
  'Ω≈ç√∫ ∑ ∞',
  '日本語のテキスト',
  '한국어 텍스트',
  'tab\there',
  'xyzzy qwerty zxcvb',
  'ALL CAPS WORDS AND MiXeD cAsE',
  '▁already has a marker',
  '[brackets] <angle> {braces} | pipes',
];

const scratch = mkdtempSync(join(tmpdir(), 'gnomon-spm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A checkpoint-like folder holding only tokenizer.model (as InternLM2 releases ship). */
function folderWithModel(name: string, modelFile: string, tokenizerConfig?: object): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(modelFile, join(dir, 'tokenizer.model'));
  if (tokenizerConfig) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  return dir;
}

async function encodeAll(tokenizer: TextTokenizer, texts: readonly string[]): Promise<number[][]> {
  return Promise.all(texts.map((text) => tokenizer.encode(text)));
}

/** Pairs that differ, for a readable failure. */
function mismatches(texts: readonly string[], ours: number[][], reference: number[][]): { text: string; ours: number[]; spm: number[] }[] {
  return texts.flatMap((text, i) => (JSON.stringify(ours[i]) === JSON.stringify(reference[i]) ? [] : [{ text, ours: ours[i]!, spm: reference[i]! }]));
}

describe.skipIf(!toolsPresent)('SentencePiece BPE with byte fallback (InternLM2 / Llama options)', () => {
  let modelFile: string;
  let dir: string;
  let tokenizer: TextTokenizer;

  beforeAll(async () => {
    const corpus = join(scratch, 'corpus.txt');
    writeMixedCorpus(corpus, 4000);
    // The normalizer options InternLM2's and Llama's tokenizer.model were trained with.
    modelFile = trainSentencePiece(corpus, join(scratch, 'bpe'), {
      model_type: 'bpe',
      vocab_size: 800,
      byte_fallback: true,
      normalization_rule_name: 'identity',
      remove_extra_whitespaces: false,
      add_dummy_prefix: true,
      split_digits: true,
      allow_whitespace_only_pieces: true,
      character_coverage: 0.9995,
      control_symbols: '<|im_start|>,<|im_end|>',
    });
    dir = folderWithModel('bpe', modelFile, {
      bos_token: '<s>',
      eos_token: '</s>',
      add_bos_token: true,
      chat_template: "{{ bos_token }}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    });
    const result = convertTokenizerFolder(dir);
    expect(result.modelType).toBe('bpe');
    expect(result.merges).toBeGreaterThan(100);
    tokenizer = await loadTokenizer(dir);
  });

  it('parses the model protobuf: pieces, types, trainer and normalizer specs', () => {
    const model = parseSentencePieceModel(readFileSync(modelFile), modelFile);
    // spm_train's .vocab file lists the same pieces and scores, one per line.
    const vocabLines = readFileSync(modelFile.replace(/\.model$/, '.vocab'), 'utf8').trimEnd().split('\n');
    expect(model.pieces.map((piece) => piece.piece)).toEqual(vocabLines.map((line) => line.split('\t')[0]));
    expect(model.pieces.map((piece) => piece.score)).toEqual(vocabLines.map((line) => Number(line.split('\t')[1])));
    expect(model.pieces.slice(0, 5).map((piece) => [piece.piece, piece.type])).toEqual([
      ['<unk>', PieceType.Unknown],
      ['<s>', PieceType.Control],
      ['</s>', PieceType.Control],
      ['<|im_start|>', PieceType.Control],
      ['<|im_end|>', PieceType.Control],
    ]);
    expect(model.pieces[5]).toEqual({ piece: '<0x00>', score: 0, type: PieceType.Byte });
    expect(model.pieces.filter((piece) => piece.type === PieceType.Byte)).toHaveLength(256);
    expect(model.trainer).toMatchObject({ modelType: 'bpe', byteFallback: true, unkId: 0, bosId: 1, eosId: 2, padId: -1, unkPiece: '<unk>' });
    expect(model.normalizer).toMatchObject({ name: 'identity', addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true });
    expect(model.normalizer.precompiledCharsmap).toHaveLength(0);
  });

  it('encodes every sample exactly as spm_encode does', async () => {
    const reference = spmEncodeIds(modelFile, SAMPLES, scratch);
    const ours = await encodeAll(tokenizer, SAMPLES);
    expect(mismatches(SAMPLES, ours, reference)).toEqual([]);
    // The samples do exercise byte fallback (ids 5..260 are <0x00>..<0xFF>).
    expect(ours.flat().some((id) => id >= 5 && id < 261)).toBe(true);
  });

  it('encodes sentences of the training distribution exactly as spm_encode does', async () => {
    const corpus = join(scratch, 'held-out.txt');
    writeMixedCorpus(corpus, 300, 'held-out');
    const lines = readFileSync(corpus, 'utf8').trimEnd().split('\n');
    const reference = spmEncodeIds(modelFile, lines, scratch);
    expect(mismatches(lines, await encodeAll(tokenizer, lines), reference)).toEqual([]);
  });

  it('handles newlines as SentencePiece does: a <0x0A> byte piece, the text decodes back through spm_decode', async () => {
    const newline = tokenizer.tokenId('<0x0A>');
    expect(newline).toBeDefined();
    for (const text of ['first line\nsecond line', '问题\n答案: B\n', '\n\nleading newlines', 'a\n b']) {
      const ids = await tokenizer.encode(text);
      expect(ids.filter((id) => id === newline)).toHaveLength(text.split('\n').length - 1);
      expect(spmDecodeIds(modelFile, ids, scratch)).toBe(text);
      // Up to the first newline the ids are SentencePiece's encoding of the first line.
      const firstLine = text.split('\n')[0]!;
      if (firstLine !== '') {
        const [lineIds] = spmEncodeIds(modelFile, [firstLine], scratch);
        expect(ids.slice(0, lineIds!.length)).toEqual(lineIds);
      }
    }
  });

  it('decodes ids to the same text as spm_decode', async () => {
    for (const text of SAMPLES) {
      const ids = await tokenizer.encode(text);
      expect(await tokenizer.decode(ids)).toBe(spmDecodeIds(modelFile, ids, scratch));
    }
  });

  it('maps control symbols in text to their ids, as the Hugging Face tokenizers do', async () => {
    expect(tokenizer.bosId).toBe(1);
    expect(tokenizer.eosId).toBe(2);
    expect(tokenizer.stopTokenIds).toEqual([2, 4]);
    const prompt = tokenizer.renderChat([{ role: 'user', content: '答案是什么?' }], true);
    const ids = await tokenizer.encode(prompt);
    expect(ids.filter((id) => id >= 1 && id <= 4)).toEqual([1, 3, 4, 3]);
    // Text between special tokens is encoded as its own sentence, dummy prefix included ("legacy"
    // behaviour of the Llama/InternLM2 tokenizers, which split on special tokens before SentencePiece).
    const [user] = spmEncodeIds(modelFile, ['user'], scratch);
    expect(await tokenizer.encode('<|im_start|>user')).toEqual([3, ...user!]);
    expect(await tokenizer.decode(ids)).toBe('user\n答案是什么? \n assistant\n');
  });

  it('differs from spm_encode on purpose for special-token strings in text', async () => {
    // SentencePiece never matches control symbols in text and spells "<s>" out; the Hugging Face
    // tokenizers (and so the harness) map it to bos. Prompts the harness builds rely on the latter.
    const text = '<s> is special to Hugging Face tokenizers';
    const [spelled] = spmEncodeIds(modelFile, [text], scratch);
    const [rest] = spmEncodeIds(modelFile, [' is special to Hugging Face tokenizers'], scratch);
    expect(spelled).not.toContain(1);
    expect(await tokenizer.encode(text)).toEqual([1, ...rest!]);
  });
});

describe.skipIf(!toolsPresent)('SentencePiece models with spm_train defaults', () => {
  let corpus: string;
  beforeAll(() => {
    corpus = join(scratch, 'defaults-corpus.txt');
    writeMixedCorpus(corpus, 3000, 'defaults');
  });

  // nmt_nfkc normalization and remove_extra_whitespaces: the converter adds the compiled character
  // map and whitespace clean-up that Hugging Face's Llama converter leaves out.
  it.each([
    ['bpe', true],
    ['unigram', true],
    ['bpe', false],
    ['unigram', false],
  ] as const)('%s model (byte_fallback %s): encodings and decodings equal SentencePiece', async (modelType, byteFallback) => {
    const name = `default-${modelType}-${byteFallback ? 'bytes' : 'unk'}`;
    const modelFile = trainSentencePiece(corpus, join(scratch, name), { model_type: modelType, vocab_size: 700, byte_fallback: byteFallback });
    const model = parseSentencePieceModel(readFileSync(modelFile), modelFile);
    expect(model.normalizer).toMatchObject({ name: 'nmt_nfkc', removeExtraWhitespaces: true });
    expect(model.normalizer.precompiledCharsmap.length).toBeGreaterThan(0);
    const dir = folderWithModel(name, modelFile);
    const result = convertTokenizerFolder(dir);
    // No tokenizer_config.json in the folder: the converter writes a minimal one.
    expect(result.configFile).toBe(join(dir, 'tokenizer_config.json'));
    const tokenizer = await loadTokenizer(dir);
    expect(tokenizer.hasChatTemplate).toBe(false);
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.addBos]).toEqual([1, 2, true]);
    const texts = [...SAMPLES, 'ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３', '① ② ③', 'ﬁ ligature'];
    const reference = spmEncodeIds(modelFile, texts, scratch);
    const ours = await encodeAll(tokenizer, texts);
    expect(mismatches(texts, ours, reference)).toEqual([]);
    // Without byte fallback, unseen characters become <unk> (id 0), one per run as in SentencePiece.
    expect(ours.flat().includes(0)).toBe(!byteFallback);
    for (const ids of ours) {
      // SentencePiece writes <unk> as " ⁇ "; the Hugging Face decoder drops it with the other specials.
      const expected = spmDecodeIds(modelFile, ids, scratch).replaceAll(' \u2047 ', '');
      if (!ids.includes(0)) expect(await tokenizer.decode(ids)).toBe(expected);
    }
  });
});

describe.skipIf(!toolsPresent)('conversion inputs and errors', () => {
  let modelFile: string;
  beforeAll(() => {
    const corpus = join(scratch, 'small-corpus.txt');
    writeMixedCorpus(corpus, 800, 'small');
    modelFile = trainSentencePiece(corpus, join(scratch, 'small'), {
      model_type: 'bpe',
      vocab_size: 500,
      byte_fallback: true,
      normalization_rule_name: 'identity',
      remove_extra_whitespaces: false,
      user_defined_symbols: '[UNUSED_TOKEN_1],[UNUSED_TOKEN_2]',
    });
  });

  it("renames pieces by tokenizer_config.json's added_tokens_decoder, as InternLM2's converter does", async () => {
    const model = parseSentencePieceModel(readFileSync(modelFile), modelFile);
    const startId = model.pieces.findIndex((piece) => piece.piece === '[UNUSED_TOKEN_1]');
    const endId = model.pieces.findIndex((piece) => piece.piece === '[UNUSED_TOKEN_2]');
    expect(model.pieces[startId]!.type).toBe(PieceType.UserDefined);
    const dir = folderWithModel('renamed', modelFile, {
      bos_token: '<s>',
      eos_token: '</s>',
      added_tokens_decoder: {
        [String(startId)]: { content: '<|im_start|>', special: true },
        [String(endId)]: { content: '<|im_end|>', special: true },
        // A token added past the SentencePiece vocabulary.
        [String(model.pieces.length)]: { content: '<|action_start|>', special: true },
      },
    });
    convertTokenizerFolder(dir);
    const tokenizer = await loadTokenizer(dir);
    expect(tokenizer.vocabSize).toBe(model.pieces.length + 1);
    expect(await tokenizer.encode('x<|action_start|>')).toContain(model.pieces.length);
    expect(tokenizer.tokenId('<|im_start|>')).toBe(startId);
    expect(tokenizer.tokenId('[UNUSED_TOKEN_1]')).toBeUndefined();
    expect(tokenizer.stopTokenIds).toEqual([2, endId]);
    const ids = await tokenizer.encode('<|im_start|>user<|im_end|>');
    expect(ids[0]).toBe(startId);
    expect(ids.at(-1)).toBe(endId);
    expect(await tokenizer.decode(ids)).toBe('user');
  });

  it('rejects added_tokens_decoder ids that leave a gap after the vocabulary', () => {
    const pieces = parseSentencePieceModel(readFileSync(modelFile), modelFile).pieces.length;
    const dir = folderWithModel('gap', modelFile, { added_tokens_decoder: { [String(pieces + 5)]: { content: '<x>', special: true } } });
    expect(() => convertTokenizerFolder(dir)).toThrow(/added_tokens_decoder has id \d+/);
  });

  it('keeps user-defined symbols as tokens SentencePiece matches whole', async () => {
    const dir = folderWithModel('user-defined', modelFile, { bos_token: '<s>', eos_token: '</s>' });
    convertTokenizerFolder(dir);
    const tokenizer = await loadTokenizer(dir);
    const id = tokenizer.tokenId('[UNUSED_TOKEN_1]');
    expect(await tokenizer.encode('[UNUSED_TOKEN_1]')).toEqual([id]);
    // Not special: decode keeps it.
    expect(await tokenizer.decode([id!])).toBe('[UNUSED_TOKEN_1]');
  });

  it('writes --out elsewhere and refuses to overwrite without being told to', () => {
    const dir = folderWithModel('out', modelFile, { bos_token: '<s>', eos_token: '</s>' });
    const outputFile = join(scratch, 'out-elsewhere.json');
    expect(convertTokenizerFolder(dir, { outputFile }).outputFile).toBe(outputFile);
    expect(() => convertTokenizerFolder(dir, { outputFile })).toThrow(/already exists/);
    expect(convertTokenizerFolder(dir, { outputFile, overwrite: true }).outputFile).toBe(outputFile);
  });

  it('runs as `harness convert-tokenizer DIR`, printing what it wrote and a check encoding', async () => {
    const dir = folderWithModel('command', modelFile, { bos_token: '<s>', eos_token: '</s>' });
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const handler = convertTokenizerCommand.handler as (args: { dir: string; force: boolean }) => Promise<void>;
      await handler({ dir, force: false });
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).toMatch(/^wrote .*tokenizer\.json: bpe model, 500 pieces, \d+ merges, \d+ special\/added tokens\ncheck: .* tokens; bos 1, eos 2, chat template no\n$/);
    expect((await loadTokenizer(dir)).vocabSize).toBe(500);
  });

  it('rejects a truncated model file, naming it', () => {
    const dir = join(scratch, 'truncated');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tokenizer.model'), readFileSync(modelFile).subarray(0, 1001));
    expect(() => convertTokenizerFolder(dir)).toThrow(UserError);
    expect(() => convertTokenizerFolder(dir)).toThrow(/tokenizer\.model: not a SentencePiece model/);
  });

  it('says when the folder has no tokenizer.model', () => {
    const dir = join(scratch, 'empty');
    mkdirSync(dir, { recursive: true });
    expect(() => convertTokenizerFolder(dir)).toThrow(/tokenizer\.model not found/);
  });

  it('rejects model types it cannot convert', () => {
    const corpus = join(scratch, 'small-corpus.txt');
    const charModel = trainSentencePiece(corpus, join(scratch, 'char'), { model_type: 'char' });
    const dir = folderWithModel('char', charModel);
    expect(() => convertTokenizerFolder(dir)).toThrow(/model type "char" is not supported/);
  });
});

describe('merges from a SentencePiece vocabulary', () => {
  it('orders merges by the merged piece score, then by longer left part, as transformers does', () => {
    const scored: [string, number][] = [
      ['a', 0],
      ['b', 0],
      ['c', 0],
      ['ab', -1],
      ['bc', -2],
      ['abc', -3],
    ];
    const ids = new Map(scored.map(([piece], id) => [piece, id]));
    expect(mergesFromVocabulary(scored, ids)).toEqual([
      ['a', 'b'],
      ['b', 'c'],
      ['ab', 'c'],
      ['a', 'bc'],
    ]);
  });

  it('splits by code point, not UTF-16 unit', () => {
    const scored: [string, number][] = [
      ['😀', 0],
      ['x', 0],
      ['😀x', -1],
    ];
    expect(mergesFromVocabulary(scored, new Map(scored.map(([piece], id) => [piece, id])))).toEqual([['😀', 'x']]);
  });
});
