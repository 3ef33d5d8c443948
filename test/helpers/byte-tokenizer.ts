/**
 * A small real tokenizer for tests: one token per UTF-8 byte (ids 0–255) plus special tokens
 * (`<s>` 256, `</s>` 257, `<|im_start|>` 258, `<|im_end|>` 259) that `encode` recognises in text.
 * Chat rendering runs a real Jinja chat template (InternLM2's by default, as the fixture checkpoints
 * ship it), so prompt tests see the same text a checkpoint's template would produce.
 */
import { Template } from '@huggingface/jinja';
import type { ChatMessage, TextTokenizer } from '../../engine/language-model.js';

export const INTERNLM2_CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const SPECIAL_TOKENS = ['<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;

export interface ByteTokenizerOptions {
  /** Jinja chat template; null makes a base-model tokenizer (no chat template). */
  readonly chatTemplate?: string | null;
  readonly addBos?: boolean;
}

export class ByteTokenizer implements TextTokenizer {
  readonly vocabSize = 256 + SPECIAL_TOKENS.length;
  readonly bosId = 256;
  readonly eosId = 257;
  readonly addBos: boolean;
  readonly hasChatTemplate: boolean;
  readonly stopTokenIds: readonly number[];
  private readonly template: Template | undefined;

  constructor(options: ByteTokenizerOptions = {}) {
    const source = options.chatTemplate === undefined ? INTERNLM2_CHAT_TEMPLATE : options.chatTemplate;
    this.template = source === null ? undefined : new Template(source);
    this.hasChatTemplate = source !== null;
    this.addBos = options.addBos ?? true;
    this.stopTokenIds = this.hasChatTemplate ? [257, 259] : [257];
  }

  async encode(text: string): Promise<number[]> {
    const ids: number[] = [];
    let rest = text;
    while (rest.length > 0) {
      const special = SPECIAL_TOKENS.findIndex((token) => rest.startsWith(token));
      if (special >= 0) {
        ids.push(256 + special);
        rest = rest.slice(SPECIAL_TOKENS[special]?.length ?? 0);
        continue;
      }
      const next = SPECIAL_TOKENS.map((token) => rest.indexOf(token)).filter((i) => i > 0);
      const end = next.length > 0 ? Math.min(...next) : rest.length;
      ids.push(...Buffer.from(rest.slice(0, end), 'utf8'));
      rest = rest.slice(end);
    }
    return ids;
  }

  async decode(ids: readonly number[], skipSpecialTokens = true): Promise<string> {
    let text = '';
    let bytes: number[] = [];
    const flush = (): void => {
      text += Buffer.from(bytes).toString('utf8');
      bytes = [];
    };
    for (const id of ids) {
      if (id < 256) {
        bytes.push(id);
        continue;
      }
      flush();
      if (!skipSpecialTokens) text += SPECIAL_TOKENS[id - 256] ?? '';
    }
    flush();
    return text;
  }

  tokenId(token: string): number | undefined {
    const special = SPECIAL_TOKENS.indexOf(token as (typeof SPECIAL_TOKENS)[number]);
    if (special >= 0) return 256 + special;
    const bytes = Buffer.from(token, 'utf8');
    return bytes.length === 1 ? bytes[0] : undefined;
  }

  renderChat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.template) throw new Error('this tokenizer has no chat template');
    return this.template.render({ messages, bos_token: '<s>', eos_token: '</s>', add_generation_prompt: addGenerationPrompt });
  }
}
