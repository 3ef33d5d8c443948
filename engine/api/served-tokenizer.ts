/**
 * A TextTokenizer backed by the server's own `/tokenize` and `/detokenize` (vLLM's shapes, also
 * served by `harness serve`; llama.cpp's server takes the same requests with `content` and
 * `add_special`, which are sent alongside), for when the model's tokenizer files are not at hand. It counts tokens
 * exactly as the served model does, but cannot render a chat template locally: chat requests go to
 * the server as messages, and prompt lengths of chat models are counted without the template. Pass
 * `--tokenizer DIR` for exact chat-prompt counts.
 */
import type { ChatMessage, TextTokenizer } from '../language-model.js';
import { ModelRequestError, UserError } from '../errors.js';
import type { ApiClient } from './api-client.js';
import { readDetokenize, readTokenize } from './openai-replies.js';

/**
 * Prompts are built from token counts, so a tokenize request that still fails after its retries
 * cannot become an error record of one unit: the run stops, finished units kept, to be resumed.
 */
function stopRun(error: unknown): never {
  if (error instanceof ModelRequestError) {
    throw new UserError(`the server's tokenizer failed after ${error.attempts} attempt(s): ${error.message}`, 'finished work is saved: run again with --resume RUN_DIR once the server answers, or pass --tokenizer DIR to count tokens locally');
  }
  throw error;
}

export class ServedTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined = undefined;
  readonly addBos: boolean;
  readonly hasChatTemplate = false;
  /** The server stops at its own end-of-sequence tokens; none are known here. */
  readonly stopTokenIds: readonly number[] = [];
  private readonly cache = new Map<string, number[]>();

  private constructor(private readonly client: ApiClient, private readonly model: string, bosId: number | undefined, vocabSize: number) {
    this.bosId = bosId;
    this.addBos = bosId !== undefined;
    this.vocabSize = vocabSize;
  }

  /**
   * Checks that the server tokenizes, and learns its bos: the ids the server adds to an empty prompt.
   * Throws a UserError naming what to pass when the server has no /tokenize.
   */
  static async open(client: ApiClient, model: string, vocabSize: number): Promise<ServedTokenizer> {
    let withSpecial: number[];
    try {
      withSpecial = readTokenize(await client.post('/tokenize', { model, prompt: '', content: '', add_special_tokens: true, add_special: true }));
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(
        `${client.rootUrl}/tokenize: the server does not tokenize (${(error as Error).message}), and token counts (prompt lengths, context checks) need the model's tokenizer`,
        'pass --tokenizer DIR with the served model\'s tokenizer.json and tokenizer_config.json (the checkpoint folder will do)',
      );
    }
    return new ServedTokenizer(client, model, withSpecial.length === 1 ? withSpecial[0] : undefined, vocabSize);
  }

  async encode(text: string): Promise<number[]> {
    const known = this.cache.get(text);
    if (known) return [...known];
    const ids = readTokenize(await this.client.post('/tokenize', { model: this.model, prompt: text, content: text, add_special_tokens: false, add_special: false }).catch(stopRun));
    if (this.cache.size < 100_000) this.cache.set(text, ids);
    return [...ids];
  }

  async decode(ids: readonly number[]): Promise<string> {
    if (ids.length === 0) return '';
    return readDetokenize(await this.client.post('/detokenize', { model: this.model, tokens: ids }).catch(stopRun));
  }

  tokenId(): number | undefined {
    return undefined;
  }

  renderChat(_messages: readonly ChatMessage[]): string {
    throw new UserError(
      'rendering a chat prompt locally needs the served model\'s chat template, which the server does not expose',
      'pass --tokenizer DIR (the model\'s tokenizer files, with tokenizer_config.json\'s chat_template), or --chat off',
    );
  }
}
