/**
 * Converts a SentencePiece `tokenizer.model` into the `tokenizer.json` Hugging Face's converters
 * (transformers' LlamaConverter, InternLM2's InternLM2Converter) produce for it, so that checkpoints
 * that ship only tokenizer.model (every InternLM2 release) load through the same tokenizer path.
 *
 * What the conversion reproduces:
 * - BPE: the vocabulary in piece order, merges derived from it (every split of a piece into two
 *   vocabulary pieces, ordered by the piece's score as `generate_merges` does), `byte_fallback` and
 *   `fuse_unk` as SentencePiece behaves. Unigram: pieces with their scores.
 * - SentencePiece's whitespace handling: the dummy prefix and " " → "▁" as normalizers (the "legacy"
 *   Llama form, applied to each stretch of text between special tokens, as the slow tokenizers do),
 *   and the reverse in the decoder (▁ → space, byte pieces → UTF-8, strip the dummy prefix).
 * - Control and user-defined pieces, and tokenizer_config.json's `added_tokens_decoder`, as
 *   added tokens, so `<s>` or `<|im_start|>` inside text map to their ids.
 * Beyond Hugging Face's Llama converter, models with `remove_extra_whitespaces` or a compiled
 * normalization rule (spm_train's defaults) get matching normalizers, so they encode as SentencePiece does.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { PieceType, parseSentencePieceModel, type SentencePieceModel } from './sentencepiece-model.js';

/** SentencePiece's whitespace marker (U+2581). */
export const WHITESPACE_MARKER = '\u2581';

/** An entry of tokenizer_config.json's `added_tokens_decoder`, keyed by id. */
export interface AddedTokenOverride {
  readonly content: string;
  readonly special: boolean;
}

export interface TokenizerJsonAddedToken {
  readonly id: number;
  readonly content: string;
  readonly single_word: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
}

/** The subset of the tokenizers library's serialization this converter writes. */
export interface TokenizerJson {
  readonly version: '1.0';
  readonly truncation: null;
  readonly padding: null;
  readonly added_tokens: TokenizerJsonAddedToken[];
  readonly normalizer: JsonObject | null;
  readonly pre_tokenizer: null;
  readonly post_processor: null;
  readonly decoder: JsonObject;
  readonly model: JsonObject;
}

type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Builds tokenizer.json from a parsed model. `addedTokens` (tokenizer_config.json's
 * added_tokens_decoder) rename pieces by id, as InternLM2's converter does: its tokenizer.model names
 * ids 92538–92543 `[UNUSED_TOKEN_…]`, the config calls them `<|im_start|>` etc.
 */
export function convertSentencePieceModel(
  model: SentencePieceModel,
  file: string,
  addedTokens: ReadonlyMap<number, AddedTokenOverride> = new Map(),
): TokenizerJson {
  const { trainer, normalizer } = model;
  if (trainer.treatWhitespaceAsSuffix) {
    throw new UserError(`${file}: models trained with treat_whitespace_as_suffix are not supported`, 'use a tokenizer.json from the model release');
  }
  if (trainer.modelType !== 'bpe' && trainer.modelType !== 'unigram') {
    throw new UserError(
      `${file}: SentencePiece model type "${trainer.modelType}" is not supported (only bpe and unigram)`,
      'use a tokenizer.json from the model release',
    );
  }
  // Ids past the model's pieces are tokens the release added on top (the tokenizers library numbers
  // such tokens from the vocabulary size up, so they must follow on without gaps).
  const extraIds = [...addedTokens.keys()].filter((id) => id >= model.pieces.length).sort((a, b) => a - b);
  extraIds.forEach((id, index) => {
    if (id !== model.pieces.length + index) {
      throw new UserError(
        `tokenizer_config.json: added_tokens_decoder has id ${id}, but ${file} has ${model.pieces.length} pieces and the added ids must continue from there without gaps`,
        'the two files come from different tokenizers; copy both from the same model release',
      );
    }
  });

  const pieces = model.pieces.map((piece, id) => ({ ...piece, piece: addedTokens.get(id)?.content ?? piece.piece }));
  const addedTokenList: TokenizerJsonAddedToken[] = [];
  pieces.forEach((piece, id) => {
    const override = addedTokens.get(id);
    // Control pieces (<s>, </s>) and <unk> are special; user-defined pieces are plain added tokens,
    // matched whole in text but kept by decode.
    const added =
      override !== undefined ||
      piece.type === PieceType.Control ||
      piece.type === PieceType.UserDefined ||
      piece.type === PieceType.Unknown;
    if (!added) return;
    const special = override?.special ?? piece.type !== PieceType.UserDefined;
    addedTokenList.push({ id, content: piece.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
  });
  for (const id of extraIds) {
    const { content, special } = addedTokens.get(id)!;
    addedTokenList.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
  }

  const unkPiece = pieces[trainer.unkId]?.piece ?? trainer.unkPiece;
  let tokenizerModel: JsonObject;
  if (trainer.modelType === 'bpe') {
    // No prototype: a piece spelled "__proto__" must become a key like any other.
    const vocab = Object.create(null) as JsonObject;
    const ids = new Map<string, number>();
    pieces.forEach((piece, id) => {
      if (ids.has(piece.piece)) {
        throw new UserError(`${file}: piece ${JSON.stringify(piece.piece)} appears twice (ids ${ids.get(piece.piece)} and ${id})`, 'copy tokenizer.model and tokenizer_config.json from the same model release');
      }
      ids.set(piece.piece, id);
      vocab[piece.piece] = id;
    });
    tokenizerModel = {
      type: 'BPE',
      dropout: null,
      unk_token: unkPiece,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      // SentencePiece emits one <unk> for a run of unknown characters.
      fuse_unk: true,
      byte_fallback: trainer.byteFallback,
      ignore_merges: false,
      vocab,
      merges: mergesFromVocabulary(pieces.map((piece) => [piece.piece, piece.score] as const), ids),
    };
  } else {
    tokenizerModel = {
      type: 'Unigram',
      unk_id: trainer.unkId,
      vocab: pieces.map((piece) => [piece.piece, piece.score]),
      byte_fallback: trainer.byteFallback,
    };
  }

  const space = normalizer.escapeWhitespaces ? WHITESPACE_MARKER : ' ';
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokenList,
    normalizer: sequence('normalizers', normalizerSteps(model, space)),
    pre_tokenizer: null,
    post_processor: null,
    decoder: sequence('decoders', [
      ...(normalizer.escapeWhitespaces ? [replace(WHITESPACE_MARKER, ' ')] : []),
      ...(trainer.byteFallback ? [{ type: 'ByteFallback' }] : []),
      { type: 'Fuse' },
      // Drop the dummy prefix's space in front of the first word.
      ...(normalizer.addDummyPrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
    ]),
    model: tokenizerModel,
  };
}

/**
 * SentencePiece normalizes in this order: the compiled character map, whitespace clean-up (drop
 * leading, trailing and repeated spaces), the dummy prefix, then spaces → ▁.
 */
function normalizerSteps(model: SentencePieceModel, space: string): JsonObject[] {
  const { normalizer } = model;
  const steps: JsonObject[] = [];
  if (normalizer.precompiledCharsmap.length > 0) {
    steps.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(normalizer.precompiledCharsmap).toString('base64') });
  }
  if (normalizer.removeExtraWhitespaces) {
    // Only U+0020 counts as whitespace here, as in SentencePiece (not tabs or newlines). \A and \z
    // because the tokenizers library's regex flavour makes ^ and $ match at every line.
    steps.push(replaceRegex(' {2,}', ' '), replaceRegex('\\A ', ''), replaceRegex(' \\z', ''));
  }
  if (normalizer.addDummyPrefix) steps.push({ type: 'Prepend', prepend: space });
  if (normalizer.escapeWhitespaces) steps.push(replace(' ', WHITESPACE_MARKER));
  return steps;
}

/**
 * BPE merges from a SentencePiece vocabulary, as transformers' `generate_merges`: for every piece,
 * each split into two pieces that are both in the vocabulary is a merge; merges are ordered by the
 * merged piece's score (higher first), then longer left part, then longer right part, keeping
 * vocabulary order (and the parts' ids) among ties. Lengths count code points, as Python's do.
 */
export function mergesFromVocabulary(scored: ReadonlyArray<readonly [string, number]>, ids: ReadonlyMap<string, number>): [string, string][] {
  interface Merge {
    readonly left: string;
    readonly right: string;
    readonly score: number;
    readonly leftLength: number;
    readonly rightLength: number;
  }
  const merges: Merge[] = [];
  for (const [piece, score] of scored) {
    const characters = Array.from(piece);
    const local: Merge[] = [];
    for (let split = 1; split < characters.length; split++) {
      const left = characters.slice(0, split).join('');
      const right = characters.slice(split).join('');
      if (ids.has(left) && ids.has(right)) {
        local.push({ left, right, score, leftLength: split, rightLength: characters.length - split });
      }
    }
    local.sort((a, b) => ids.get(a.left)! - ids.get(b.left)! || ids.get(a.right)! - ids.get(b.right)!);
    merges.push(...local);
  }
  merges.sort((a, b) => b.score - a.score || b.leftLength - a.leftLength || b.rightLength - a.rightLength);
  return merges.map((merge) => [merge.left, merge.right]);
}

function sequence(kind: 'normalizers' | 'decoders', steps: JsonObject[]): JsonObject {
  return { type: 'Sequence', [kind]: steps };
}

function replace(pattern: string, content: string): JsonObject {
  return { type: 'Replace', pattern: { String: pattern }, content };
}

function replaceRegex(pattern: string, content: string): JsonObject {
  return { type: 'Replace', pattern: { Regex: pattern }, content };
}

/**
 * Reads tokenizer_config.json's `added_tokens_decoder` (id → {content, special}) if the file exists;
 * transformers writes it for every tokenizer, and InternLM2's names its chat tokens there.
 */
export function readAddedTokenOverrides(configFile: string): Map<number, AddedTokenOverride> {
  const overrides = new Map<number, AddedTokenOverride>();
  if (!existsSync(configFile)) return overrides;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (error) {
    throw new UserError(`${configFile}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, 'the file is damaged; copy tokenizer_config.json from the model release again');
  }
  const decoder = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['added_tokens_decoder'] : undefined;
  if (decoder === undefined || decoder === null) return overrides;
  if (typeof decoder !== 'object' || Array.isArray(decoder)) {
    throw new UserError(`${configFile}: key added_tokens_decoder must map ids to tokens`, 'copy tokenizer_config.json from the model release again');
  }
  for (const [key, value] of Object.entries(decoder as Record<string, unknown>)) {
    const id = Number(key);
    const entry = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    if (!Number.isInteger(id) || id < 0 || typeof entry?.['content'] !== 'string') {
      throw new UserError(`${configFile}: added_tokens_decoder entry ${JSON.stringify(key)} must be {"content": "...", "special": true|false} under an integer id`, 'copy tokenizer_config.json from the model release again');
    }
    overrides.set(id, { content: entry['content'], special: entry['special'] !== false });
  }
  return overrides;
}

export interface ConvertTokenizerResult {
  readonly outputFile: string;
  readonly modelType: string;
  readonly pieces: number;
  readonly merges: number;
  readonly addedTokens: number;
  /** tokenizer_config.json written beside the output because the folder had none. */
  readonly configFile: string | undefined;
}

/**
 * Converts DIR/tokenizer.model to `outputFile` (default DIR/tokenizer.json). When the folder has no
 * tokenizer_config.json, writes a minimal one (bos/eos/unk from the model, add_bos_token true, no chat
 * template) beside the output, so the folder loads as a base model.
 */
export function convertTokenizerFolder(dir: string, options: { outputFile?: string; overwrite?: boolean } = {}): ConvertTokenizerResult {
  const modelFile = join(dir, 'tokenizer.model');
  if (!existsSync(modelFile)) {
    throw new UserError(`${modelFile} not found`, 'point convert-tokenizer at the checkpoint folder that contains the SentencePiece tokenizer.model');
  }
  const outputFile = options.outputFile ?? join(dir, 'tokenizer.json');
  if (existsSync(outputFile) && !options.overwrite) {
    throw new UserError(`${outputFile} already exists`, 'pass --force to replace it, or --out FILE to write elsewhere');
  }
  const configFile = join(dir, 'tokenizer_config.json');
  const model = parseSentencePieceModel(readFileSync(modelFile), modelFile);
  const tokenizerJson = convertSentencePieceModel(model, modelFile, readAddedTokenOverrides(configFile));
  writeFileSync(outputFile, JSON.stringify(tokenizerJson) + '\n');

  let writtenConfig: string | undefined;
  const outputConfig = join(dirname(outputFile), 'tokenizer_config.json');
  if (!existsSync(configFile) && !existsSync(outputConfig)) {
    const { trainer } = model;
    const pieceAt = (id: number): string | null => (id >= 0 && id < model.pieces.length ? model.pieces[id]!.piece : null);
    writeFileSync(
      outputConfig,
      JSON.stringify({ bos_token: pieceAt(trainer.bosId), eos_token: pieceAt(trainer.eosId), unk_token: pieceAt(trainer.unkId), add_bos_token: trainer.bosId >= 0 }, null, 2) + '\n',
    );
    writtenConfig = outputConfig;
  }
  const merges = tokenizerJson.model['merges'];
  return {
    outputFile,
    modelType: model.trainer.modelType,
    pieces: model.pieces.length,
    merges: Array.isArray(merges) ? merges.length : 0,
    addedTokens: tokenizerJson.added_tokens.length,
    configFile: writtenConfig,
  };
}
