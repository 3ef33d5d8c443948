/**
 * vLLM's `POST /tokenize` and `/detokenize` (also under /v1/): text (or chat messages, rendered with
 * the template) to token ids and back, so a client without the tokenizer files can count tokens as
 * the served model does.
 */
import { readMessages } from './chat-completions.js';
import { RequestError } from './request-error.js';
import { optionalBoolean, requestBody, tokenIds } from './request-fields.js';
import type { ServedModel } from './served-model.js';

export async function tokenize(served: ServedModel, raw: unknown): Promise<unknown> {
  const body = requestBody(raw);
  const tokenizer = served.model.tokenizer;
  let ids: number[];
  if (body.messages !== undefined) {
    if (!tokenizer.hasChatTemplate) throw new RequestError(400, `${served.name} has no chat template`, 'messages');
    const text = tokenizer.renderChat(readMessages(body.messages), optionalBoolean(body, 'add_generation_prompt') ?? true);
    ids = await served.encodeWithSpecialTokens(text);
  } else {
    if (typeof body.prompt !== 'string') throw new RequestError(400, '"prompt" must be text (or send "messages")', 'prompt');
    ids = optionalBoolean(body, 'add_special_tokens') ?? true ? await served.encodeWithSpecialTokens(body.prompt) : await tokenizer.encode(body.prompt);
  }
  return { count: ids.length, max_model_len: served.contextLength, tokens: ids };
}

export async function detokenize(served: ServedModel, raw: unknown): Promise<unknown> {
  const body = requestBody(raw);
  const ids = tokenIds(body.tokens, served.model.info.vocabSize, 'tokens');
  return { prompt: await served.model.tokenizer.decode(ids, false) };
}
