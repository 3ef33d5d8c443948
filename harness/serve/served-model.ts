/** What every endpoint needs: the model, its batcher, its served name, and prompt-length checks. */
import type { LanguageModel } from '../../engine/language-model.js';
import { EngineBatcher } from './engine-batcher.js';
import { RequestError } from './request-error.js';

export class ServedModel {
  readonly batcher: EngineBatcher;
  /** Unix seconds the server started (OpenAI's `created`). */
  readonly created = Math.floor(Date.now() / 1000);
  private readonly tokenStrings = new Map<number, string>();

  constructor(readonly model: LanguageModel, readonly name: string, maxBatch?: number) {
    this.batcher = new EngineBatcher(model, maxBatch);
  }

  get contextLength(): number {
    return this.model.info.contextLength;
  }

  /** Encodes prompt text as a served model does by default: bos first when the tokenizer asks for it. */
  async encodeWithSpecialTokens(text: string): Promise<number[]> {
    const tokenizer = this.model.tokenizer;
    const ids = await tokenizer.encode(text);
    if (tokenizer.addBos && tokenizer.bosId !== undefined && ids[0] !== tokenizer.bosId) ids.unshift(tokenizer.bosId);
    return ids;
  }

  /** 400 unless prompt + new tokens fit the context (the engine would refuse the whole batch). */
  checkLength(promptTokens: number, maxTokens: number): void {
    if (promptTokens === 0) throw new RequestError(400, 'the prompt is empty', 'prompt');
    if (promptTokens + maxTokens > this.contextLength) {
      throw new RequestError(400, `This model's maximum context length is ${this.contextLength} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the prompt, ${maxTokens} for the completion).`, 'max_tokens');
    }
  }

  /** One token as text (special tokens spelled out), for `logprobs.tokens`. */
  async tokenString(id: number): Promise<string> {
    let text = this.tokenStrings.get(id);
    if (text === undefined) {
      text = await this.model.tokenizer.decode([id], false);
      this.tokenStrings.set(id, text);
    }
    return text;
  }
}
