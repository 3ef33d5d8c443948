/**
 * `POST /v1/chat/completions`: messages rendered with the checkpoint's own chat template (assistant
 * header appended), generated to the template's stop tokens or a stop string; `stream: true` sends
 * OpenAI's `chat.completion.chunk` events as server-sent events, ending with `data: [DONE]`. The
 * engine decodes a batch in bursts on the GPU, so the chunks go out once the reply is complete.
 */
import type { ServerResponse } from 'node:http';
import type { ChatMessage, GenerationResult } from '../../engine/language-model.js';
import { samplingFields } from './completions.js';
import { RequestError } from './request-error.js';
import { optionalBoolean, requestBody, requireSingleChoice } from './request-fields.js';
import type { ServedModel } from './served-model.js';

const ROLES = new Set(['system', 'user', 'assistant']);

/** Messages with string content, or content as a list of `{type: "text", text}` parts (joined). */
export function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new RequestError(400, '"messages" must be a non-empty list', 'messages');
  return value.map((message, index) => {
    const m = message as { role?: unknown; content?: unknown } | null;
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      throw new RequestError(400, `messages[${index}]: "role" must be system, user or assistant`, 'messages');
    }
    let content = m.content;
    if (Array.isArray(content)) {
      if (!content.every((part) => (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string')) {
        throw new RequestError(400, `messages[${index}]: only text content parts are served`, 'messages');
      }
      content = content.map((part) => (part as { text: string }).text).join('');
    }
    if (typeof content !== 'string') throw new RequestError(400, `messages[${index}]: "content" must be text`, 'messages');
    return { role: m.role as ChatMessage['role'], content };
  });
}

export interface ChatPlan {
  readonly promptIds: number[];
  readonly stream: boolean;
  readonly run: () => Promise<GenerationResult>;
  readonly stops: readonly string[];
}

export async function planChat(served: ServedModel, raw: unknown): Promise<ChatPlan> {
  const body = requestBody(raw);
  requireSingleChoice(body);
  const messages = readMessages(body.messages);
  const tokenizer = served.model.tokenizer;
  if (!tokenizer.hasChatTemplate) throw new RequestError(400, `${served.name} has no chat template (tokenizer_config.json chat_template); use /v1/completions`, 'messages');
  const promptIds = await served.encodeWithSpecialTokens(tokenizer.renderChat(messages, true));
  const { maxTokens, sampling, stops } = samplingFields(body, Math.max(1, served.contextLength - promptIds.length), served.contextLength);
  served.checkLength(promptIds.length, maxTokens);
  const options = { maxNewTokens: maxTokens, stopTokenIds: tokenizer.stopTokenIds, stopStrings: stops, ...(sampling ? { sampling } : {}) };
  return { promptIds, stream: optionalBoolean(body, 'stream') ?? false, stops, run: () => served.batcher.generate({ promptIds, options }) };
}

function finishReason(result: GenerationResult): 'stop' | 'length' {
  return result.finishReason === 'max_tokens' ? 'length' : 'stop';
}

export function chatReply(served: ServedModel, plan: ChatPlan, result: GenerationResult, id: string): unknown {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: served.name,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: result.text },
      logprobs: null,
      finish_reason: finishReason(result),
      stop_reason: result.finishReason === 'stop_string' ? plan.stops[0] ?? null : null,
      token_ids: result.tokenIds,
    }],
    usage: { prompt_tokens: plan.promptIds.length, completion_tokens: result.tokenIds.length, total_tokens: plan.promptIds.length + result.tokenIds.length },
  };
}

/**
 * The reply as server-sent events: the role, then one chunk per token whose text is complete (a
 * token ending inside a multi-byte character waits for the next), then the finish reason.
 */
export async function streamChat(served: ServedModel, result: GenerationResult, id: string, response: ServerResponse): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const send = (delta: Record<string, string>, finish: string | null): void => {
    response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: served.name, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
  };
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  send({ role: 'assistant', content: '' }, null);
  let sent = '';
  for (let i = 1; i <= result.tokenIds.length && sent.length < result.text.length; i += 1) {
    const text = (await served.model.tokenizer.decode(result.tokenIds.slice(0, i))).slice(0, result.text.length);
    if (text.endsWith('\uFFFD') || !text.startsWith(sent) || text.length === sent.length) continue;
    send({ content: text.slice(sent.length) }, null);
    sent = text;
  }
  if (sent.length < result.text.length) send({ content: result.text.slice(sent.length) }, null);
  send({}, finishReason(result));
  response.end('data: [DONE]\n\n');
}
