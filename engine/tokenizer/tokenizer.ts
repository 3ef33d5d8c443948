/**
 * A checkpoint's tokenizer: `tokenizer.json` (Hugging Face tokenizers format, run by
 * @anush008/tokenizers) plus `tokenizer_config.json` (bos/eos tokens, add_bos_token, chat_template).
 * Encoding never adds bos/eos itself: callers add bos explicitly where `addBos` says so, so that a
 * prefix and its continuations can be tokenized separately and concatenated.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@anush008/tokenizers';
import { compileChatTemplate, type ChatTemplate } from './chat-template.js';
import { cachedTokenizerJson } from './tokenizer-cache.js';
import { UserError } from '../errors.js';
import type { ChatMessage, TextTokenizer } from '../language-model.js';

export interface LoadTokenizerOptions {
  /** Rows of the model's embedding: loading fails when the tokenizer has ids at or beyond it. */
  readonly vocabSize?: number;
  /** Where the one line saying that tokenizer.model was converted goes (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The parts of tokenizer_config.json the engine uses. */
export interface TokenizerConfig {
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly unkToken: string | undefined;
  readonly addBos: boolean;
  readonly chatTemplate: string | undefined;
}

/** The token that ends a turn in InternLM2's chat format; a reply stops there as well as at eos. */
const END_OF_TURN = '<|im_end|>';

export async function loadTokenizer(dir: string, options: LoadTokenizerOptions = {}): Promise<TextTokenizer> {
  const configFile = join(dir, 'tokenizer_config.json');
  const tokenizerFile = tokenizerJsonFor(dir, options.log ?? ((line) => process.stderr.write(`${line}\n`)));

  const config = parseTokenizerConfig(readJson(configFile, 'the tokenizer_config.json of the model release'), configFile);
  // Parse the JSON ourselves first: the native library's parse errors do not name the file or line.
  const tokenizerSource = readFileSync(tokenizerFile, 'utf8');
  const tokenizerJson = parseJson(tokenizerSource, tokenizerFile, 'the tokenizer.json of the model release');
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromString(tokenizerSource);
  } catch (error) {
    throw new UserError(
      `${tokenizerFile}: not a tokenizer the Hugging Face tokenizers library can load (${error instanceof Error ? error.message : String(error)})`,
      'replace it with the tokenizer.json of the model release, or regenerate it with harness convert-tokenizer from tokenizer.model',
    );
  }

  // From the file, not the library's getVocab(): that builds a JS object keyed by token and fails
  // ("nul byte found") on a piece made of a NUL character, as InternLM2's id 354 is.
  const vocabSize = vocabularySize(tokenizerJson, tokenizerFile);
  if (options.vocabSize !== undefined && vocabSize > options.vocabSize) {
    throw new UserError(
      `${tokenizerFile}: the tokenizer has ${vocabSize} token ids but the model's embedding has only ${options.vocabSize} rows (config.json vocab_size)`,
      'the tokenizer and the weights come from different models; copy the tokenizer files of the same release as the weights',
    );
  }

  const idOf = (token: string, key: string): number | undefined => {
    const id = tokenizer.tokenToId(token);
    if (id === null || id === undefined) {
      throw new UserError(
        `${configFile}: ${key} is ${JSON.stringify(token)}, which is not in the vocabulary of ${tokenizerFile}`,
        'the two files come from different tokenizers; copy both from the same model release',
      );
    }
    return id;
  };
  const bosId = config.bosToken === undefined ? undefined : idOf(config.bosToken, 'bos_token');
  const eosId = config.eosToken === undefined ? undefined : idOf(config.eosToken, 'eos_token');
  const endOfTurnId = tokenizer.tokenToId(END_OF_TURN) ?? undefined;
  const stopTokenIds = [...new Set([eosId, endOfTurnId].filter((id): id is number => id !== undefined))];

  const template: ChatTemplate | undefined =
    config.chatTemplate === undefined
      ? undefined
      : compileChatTemplate(config.chatTemplate, configFile, {
          bosToken: config.bosToken,
          eosToken: config.eosToken,
          unkToken: config.unkToken,
        });

  return {
    vocabSize,
    bosId,
    eosId,
    addBos: config.addBos && bosId !== undefined,
    hasChatTemplate: template !== undefined,
    stopTokenIds,
    async encode(text: string): Promise<number[]> {
      const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
      return encoding.getIds();
    },
    async decode(ids: readonly number[], skipSpecialTokens = true): Promise<string> {
      return tokenizer.decode([...ids], skipSpecialTokens);
    },
    tokenId(token: string): number | undefined {
      return tokenizer.tokenToId(token) ?? undefined;
    },
    renderChat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
      if (!template) {
        throw new UserError(
          `${configFile}: no chat_template; this checkpoint is a base model, not a chat model`,
          'use a chat checkpoint (e.g. internlm2-chat-*), or run the task in its base-model (completion) form',
        );
      }
      return template.render(messages, addGenerationPrompt);
    },
  };
}

/**
 * DIR/tokenizer.json when the folder has one; else, for a folder with only a SentencePiece
 * tokenizer.model (as InternLM2 releases ship), the tokenizer.json converted from it in gnomon's cache
 * (tokenizer-cache.ts), saying so in one line when it is converted.
 */
function tokenizerJsonFor(dir: string, log: (line: string) => void): string {
  const tokenizerFile = join(dir, 'tokenizer.json');
  if (existsSync(tokenizerFile)) return tokenizerFile;
  if (!existsSync(join(dir, 'tokenizer.model'))) {
    throw new UserError(
      `${dir}: no tokenizer.json (or tokenizer.model) in the checkpoint folder`,
      'copy the tokenizer files of the model release (tokenizer.json or tokenizer.model, and tokenizer_config.json) into this folder',
    );
  }
  const cached = cachedTokenizerJson(dir);
  if (cached.converted) {
    log(`converted ${join(dir, 'tokenizer.model')} to ${cached.file} in ${cached.seconds.toFixed(1)} s (first use; the model folder is left as it is)`);
  }
  return cached.file;
}

/**
 * One more than the largest id in a tokenizer.json: its model's vocabulary (an object of token → id
 * for BPE, WordPiece and WordLevel; a list of [piece, score] for Unigram) and its added tokens.
 */
export function vocabularySize(json: unknown, file: string): number {
  const broken = (what: string): UserError =>
    new UserError(`${file}: ${what}`, 'replace it with the tokenizer.json of the model release, or regenerate it with harness convert-tokenizer from tokenizer.model');
  if (!isRecord(json) || !isRecord(json['model'])) throw broken('no "model" object');
  const vocab = json['model']['vocab'];
  let largestId = -1;
  if (Array.isArray(vocab)) {
    largestId = vocab.length - 1;
  } else if (isRecord(vocab)) {
    for (const id of Object.values(vocab)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw broken(`model.vocab has a token with id ${JSON.stringify(id)}`);
      largestId = Math.max(largestId, id);
    }
  } else {
    throw broken('model.vocab is neither an object nor a list');
  }
  const added = json['added_tokens'] ?? [];
  if (!Array.isArray(added)) throw broken('added_tokens is not a list');
  for (const token of added) {
    const id = isRecord(token) ? token['id'] : undefined;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw broken(`added_tokens has an entry without an integer id: ${JSON.stringify(token)}`);
    largestId = Math.max(largestId, id);
  }
  return largestId + 1;
}

/**
 * Reads tokenizer_config.json. Special tokens appear either as strings or, in files written by newer
 * transformers, as serialized AddedToken objects (`{"content": "<s>", ...}`). `chat_template` is a string
 * or a list of named templates, of which the one named "default" is used.
 */
export function parseTokenizerConfig(json: unknown, file: string): TokenizerConfig {
  if (!isRecord(json)) {
    throw new UserError(`${file}: expected a JSON object`, 'replace it with the tokenizer_config.json of the model release');
  }
  const addBosValue = json['add_bos_token'];
  if (addBosValue !== undefined && addBosValue !== null && typeof addBosValue !== 'boolean') {
    throw new UserError(`${file}: key add_bos_token must be true or false, got ${JSON.stringify(addBosValue)}`, 'set "add_bos_token": true (InternLM2 prompts start with <s>)');
  }
  return {
    bosToken: specialToken(json, 'bos_token', file),
    eosToken: specialToken(json, 'eos_token', file),
    unkToken: specialToken(json, 'unk_token', file),
    // InternLM2's and Llama's tokenizers add bos unless told not to.
    addBos: typeof addBosValue === 'boolean' ? addBosValue : true,
    chatTemplate: chatTemplateSource(json['chat_template'], file),
  };
}

function specialToken(json: Record<string, unknown>, key: string, file: string): string | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value['content'] === 'string') return value['content'];
  throw new UserError(`${file}: key ${key} must be a token string such as "<s>", got ${JSON.stringify(value)}`, `set "${key}" to the token string`);
}

function chatTemplateSource(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (isRecord(entry) && entry['name'] === 'default' && typeof entry['template'] === 'string') return entry['template'];
    }
  }
  throw new UserError(
    `${file}: key chat_template must be a Jinja template string (or a list with one named "default")`,
    'fix the chat_template key, or delete it to use the model without chat formatting',
  );
}

function readJson(file: string, source: string): unknown {
  if (!existsSync(file)) {
    throw new UserError(`${file} not found`, `copy ${source} into the checkpoint folder`);
  }
  return parseJson(readFileSync(file, 'utf8'), file, source);
}

function parseJson(text: string, file: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(
      `${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      `the file is damaged or truncated; replace it with ${source}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
