/**
 * `harness serve`'s HTTP surface over real loopback HTTP, on a scripted model (known log-probs and
 * replies): response shapes as vLLM / OpenAI give them, server-sent events, /tokenize, the API key,
 * and bad requests answered with OpenAI-style 4xx errors while the server keeps serving.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerationResult } from '../../../engine/language-model.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

const KEY = 'serve-test-key';
const logprob = (context: readonly number[], token: number): number => -1 - ((token + context.length) % 7) / 8;

/** A scripted model whose generation fails for prompts containing "boom" (an engine failure). */
class BreakableModel extends ScriptedModel {
  override async generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]> {
    for (const r of requests) if ((await this.tokenizer.decode(r.promptIds)).includes('boom')) throw new Error('engine fault');
    return super.generateBatch(requests);
  }
}

const model = new BreakableModel({ name: 'scripted', tokenLogprob: logprob, contextLength: 512, reply: () => 'héllo wörld<|im_end|>' });
let server: RunningServer;
let root = '';

beforeAll(async () => {
  server = await startServer(model, { host: '127.0.0.1', port: 0, apiKey: KEY });
  root = server.baseUrl.replace(/\/v1$/, '');
});
afterAll(async () => server.close());

async function call(path: string, body?: unknown, options: { key?: string | null; method?: string; raw?: string } = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const key = options.key === undefined ? KEY : options.key;
  const response = await fetch(`${root}${path}`, {
    method: options.method ?? (body === undefined && options.raw === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(options.raw !== undefined ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // server-sent events
  }
  return { status: response.status, json, text };
}

describe('endpoints', () => {
  it('GET /v1/models lists the model with its context length', async () => {
    const { status, json } = await call('/v1/models');
    expect(status).toBe(200);
    expect(json).toMatchObject({ object: 'list', data: [{ id: 'scripted', object: 'model', owned_by: 'gnomon', max_model_len: 512 }] });
  });

  it('/v1/completions with echo, logprobs and max_tokens 0 scores every prompt token', async () => {
    const tokenizer = new ByteTokenizer();
    const ids = [256, ...(await tokenizer.encode('abc'))];
    const { status, json } = await call('/v1/completions', { model: 'scripted', prompt: 'abc', max_tokens: 0, echo: true, logprobs: 1 });
    expect(status).toBe(200);
    const choice = (json.choices as Record<string, unknown>[])[0] as { text: string; finish_reason: string; logprobs: { tokens: string[]; token_logprobs: (number | null)[]; top_logprobs: unknown[]; text_offset: number[] } };
    expect(json).toMatchObject({ object: 'text_completion', model: 'scripted', usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 } });
    expect(choice.text).toBe('abc');
    expect(choice.finish_reason).toBe('length');
    expect(choice.logprobs.tokens).toEqual(['<s>', 'a', 'b', 'c']);
    expect(choice.logprobs.token_logprobs).toEqual([null, ...ids.slice(1).map((id, i) => logprob(ids.slice(0, i + 1), id))]);
    expect(choice.logprobs.top_logprobs[1]).toEqual({ a: logprob(ids.slice(0, 1), 97) });
    expect(choice.logprobs.text_offset).toEqual([0, 3, 4, 5]);
  });

  it('/v1/completions generates from text or token ids, one choice per prompt', async () => {
    const { json } = await call('/v1/completions', { prompt: ['x', [256, 120]], max_tokens: 40, temperature: 0 });
    const choices = json.choices as { index: number; text: string; finish_reason: string; token_ids: number[] }[];
    expect(choices.map((c) => c.index)).toEqual([0, 1]);
    // Completions stop at eos only: the chat end token is generated (and, being special, not shown).
    expect(choices[0]?.text).toBe('héllo wörld');
    expect(choices[0]?.token_ids.at(-1)).toBe(259);
    expect(choices[0]?.finish_reason).toBe('stop');
    expect(choices[1]?.text).toBe(choices[0]?.text);
    const short = await call('/v1/completions', { prompt: 'x', max_tokens: 3, temperature: 0 });
    expect((short.json.choices as unknown[])[0]).toMatchObject({ text: 'hé', finish_reason: 'length', token_ids: [104, 195, 169] });
  });

  it('/v1/chat/completions renders the chat template and stops at the template\'s end token', async () => {
    const { status, json } = await call('/v1/chat/completions', { model: 'scripted', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }], temperature: 0, max_tokens: 30 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'héllo wörld' }, finish_reason: 'stop' }] });
    const promptTokens = (await new ByteTokenizer().encode(new ByteTokenizer().renderChat([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], true))).length;
    expect(json.usage).toMatchObject({ prompt_tokens: promptTokens });
  });

  it('stream: true sends chat.completion.chunk events that add up to the reply, then [DONE]', async () => {
    const body = { messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 30 };
    const whole = await call('/v1/chat/completions', body);
    const streamed = await call('/v1/chat/completions', { ...body, stream: true });
    const events = streamed.text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[] });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('héllo wörld');
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe((whole.json.choices as { finish_reason: string }[])[0]?.finish_reason);
  });

  it('/tokenize and /detokenize (vLLM\'s shapes), also for chat messages', async () => {
    const { json } = await call('/tokenize', { prompt: 'hé' });
    expect(json).toEqual({ count: 4, max_model_len: 512, tokens: [256, 104, 195, 169] });
    expect((await call('/tokenize', { prompt: 'hé', add_special_tokens: false })).json.tokens).toEqual([104, 195, 169]);
    expect((await call('/detokenize', { tokens: [104, 195, 169] })).json).toEqual({ prompt: 'hé' });
    const chat = await call('/v1/tokenize', { messages: [{ role: 'user', content: 'x' }] });
    expect(chat.json.count).toBe((await new ByteTokenizer().encode(new ByteTokenizer().renderChat([{ role: 'user', content: 'x' }], true))).length);
  });
});

describe('bad requests get OpenAI-style errors and the server keeps serving', () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['no key', '/v1/models', undefined, 401, /Incorrect API key/],
    ['bad JSON', '/v1/completions', '{"prompt": ', 400, /not valid JSON/],
    ['no messages', '/v1/chat/completions', { model: 'scripted' }, 400, /"messages" must be a non-empty list/],
    ['bad role', '/v1/chat/completions', { messages: [{ role: 'tool', content: 'x' }] }, 400, /"role" must be system, user or assistant/],
    ['n = 2', '/v1/completions', { prompt: 'x', n: 2 }, 400, /"n" must be 1/],
    ['top alternatives', '/v1/completions', { prompt: 'x', logprobs: 5 }, 400, /"logprobs" above 1/],
    ['temperature 9', '/v1/completions', { prompt: 'x', temperature: 9 }, 400, /"temperature" must be a number from 0 to 2/],
    ['token id out of range', '/v1/completions', { prompt: [256, 99999] }, 400, /token ids from 0 to 259/],
    ['too long', '/v1/completions', { prompt: 'x'.repeat(500), max_tokens: 100 }, 400, /maximum context length is 512 tokens/],
    ['other model', '/v1/completions', { model: 'gpt-4', prompt: 'x' }, 404, /`gpt-4` does not exist/],
    ['no such endpoint', '/v1/embeddings', { input: 'x' }, 404, /no endpoint POST \/v1\/embeddings/],
    ['a string body', '/v1/completions', '"just text"', 400, /must be a JSON object/],
  ];
  for (const [name, path, body, status, message] of cases) {
    it(`${name}: ${status}`, async () => {
      const reply = await call(path, typeof body === 'string' ? undefined : body, { ...(typeof body === 'string' ? { raw: body } : {}), ...(name === 'no key' ? { key: null } : {}) });
      expect(reply.status).toBe(status);
      expect((reply.json.error as { message: string; code: number }).message).toMatch(message);
      expect((reply.json.error as { code: number }).code).toBe(status);
      expect((await call('/v1/models')).status).toBe(200);
    });
  }

  it('a wrong key is refused; /health needs none', async () => {
    expect((await call('/v1/models', undefined, { key: 'wrong' })).status).toBe(401);
    expect((await call('/health', undefined, { key: null })).json).toMatchObject({ status: 'ok' });
  });

  it('GET on a POST endpoint is 405', async () => {
    expect((await call('/v1/completions', undefined, { method: 'GET' })).status).toBe(405);
  });

  it('an engine failure fails only its own request, even inside a batch', async () => {
    const good = { messages: [{ role: 'user', content: 'fine' }], temperature: 0, max_tokens: 20 };
    const replies = await Promise.all([
      call('/v1/chat/completions', good),
      call('/v1/chat/completions', { ...good, messages: [{ role: 'user', content: 'boom' }] }),
      call('/v1/chat/completions', good),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 500, 200]);
    expect((replies[1]?.json.error as { message: string }).message).toMatch(/engine fault/);
    expect((await call('/v1/models')).status).toBe(200);
  });

  it('a client that hangs up mid-request does not take the server down', async () => {
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${root}/v1/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-length': '1000' } });
      request.on('error', () => resolve());
      request.write('{"prompt": "x", ');
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 50);
    });
    expect((await call('/v1/models')).status).toBe(200);
  });
});
