/**
 * Tokenizers converted on first use. A release that ships only a SentencePiece `tokenizer.model` (every
 * InternLM2 release) loads without a conversion step by hand: its tokenizer.json is written once into
 * gnomon's cache folder ($GNOMON_CACHE, else .cache/), never into the model folder, and found there
 * again by the model file's hash. The user's folder is written to only by `harness convert-tokenizer`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { cacheRoot } from '../package-root.js';
import { convertSentencePieceModel, readAddedTokenOverrides } from './sentencepiece-convert.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';

/**
 * Part of every cache key: raise it whenever the converter's output changes (a fix such as keeping
 * the byte-order-mark piece), so that a tokenizer.json written by an older converter is not reused.
 */
export const CONVERTER_VERSION = 2;

export interface CachedConversion {
  /** The tokenizer.json to load. */
  readonly file: string;
  /** Whether this call wrote it (first use), and how long the conversion took. */
  readonly converted: boolean;
  readonly seconds: number;
}

/**
 * The cached tokenizer.json for DIR/tokenizer.model, converting it first if the cache has none. The key
 * is the model file's sha256 (the folder name) and a hash of what else shapes the result: the
 * added_tokens_decoder of DIR/tokenizer_config.json (it renames ids, e.g. 92543 → <|im_start|>) and
 * the converter version.
 */
export function cachedTokenizerJson(dir: string): CachedConversion {
  const modelFile = join(dir, 'tokenizer.model');
  const modelBytes = readFileSync(modelFile);
  const overrides = readAddedTokenOverrides(join(dir, 'tokenizer_config.json'));
  const modelHash = createHash('sha256').update(modelBytes).digest('hex');
  const settings = JSON.stringify({ converter: CONVERTER_VERSION, addedTokens: [...overrides].sort(([a], [b]) => a - b) });
  const settingsHash = createHash('sha256').update(settings).digest('hex').slice(0, 12);
  const folder = join(cacheRoot(), 'tokenizers', modelHash.slice(0, 32));
  const file = join(folder, `tokenizer-${settingsHash}.json`);
  if (existsSync(file)) return { file, converted: false, seconds: 0 };

  const started = performance.now();
  const tokenizerJson = convertSentencePieceModel(parseSentencePieceModel(modelBytes, modelFile), modelFile, overrides);
  // Written beside its final name and renamed into place: a reader never sees half a file, and two
  // processes converting at once each rename a complete (identical) file.
  const staging = `${file}.partial-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(staging, JSON.stringify(tokenizerJson) + '\n');
    renameSync(staging, file);
  } catch (error) {
    removeQuietly(staging);
    throw new UserError(
      `cannot write the tokenizer converted from ${modelFile} into the cache folder ${folder} (${error instanceof Error ? error.message : String(error)})`,
      `set GNOMON_CACHE to a writable folder, or write tokenizer.json into the model folder once with: harness convert-tokenizer ${dir}`,
    );
  }
  return { file, converted: true, seconds: (performance.now() - started) / 1000 };
}

/** Removes a partly written file; where even that fails (its folder cannot be reached), there is nothing to remove. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // ENOTDIR / EACCES: the file was never created.
  }
}
