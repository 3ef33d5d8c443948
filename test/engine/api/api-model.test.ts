/**
 * The LanguageModel over HTTP against real servers on loopback: `harness serve`'s server over a
 * scripted model (so every expected number is known), and small servers that answer like endpoints
 * without prompt log-probs, with only vLLM's prompt_logprobs extension, or with several models.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiLanguageModel } from '../../../engine/api/api-model.js';
import { openApiModel } from '../../../engine/index.js';
import { BatchRequestError, ModelRequestError, UserError } from '../../../engine/language-model.js';
import { failureRecord, isRequestFailure, settledBatch } from '../../../harness/request-failures.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

/** A log-prob that depends on the whole context, so a misaligned or mis-split score shows. */
const contextual = (context: readonly number[], token: number): number => -1 - ((token * 7 + context.length * 3 + (context[context.length - 1] ?? 0)) % 13) / 4;
const scripted = new ScriptedModel({ name: 'scripted', tokenLogprob: contextual, contextLength: 4096, reply: (prompt) => `echo:${prompt.length}<|im_end|>` });
let upstream: RunningServer;
let proxy: FaultProxy | undefined;
const servers: Server[] = [];

beforeAll(async () => {
  upstream = await startServer(scripted, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await upstream.close();
  for (const server of servers) server.close();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A server answering each path with `reply(path, body)` → [status, json]. */
async function scriptedServer(reply: (path: string, body: Record<string, unknown>) => [number, unknown]): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const [status, body] = reply(request.url ?? '/', text ? JSON.parse(text) as Record<string, unknown> : {});
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const fast = { maxRetries: 1, backoffMs: 1, maxBackoffMs: 2 };

describe('opening a served model', () => {
  it('takes the only listed model, its max_model_len, and the server\'s tokenizer', async () => {
    const model = await openApiModel({ baseUrl: upstream.baseUrl, ...fast });
    expect(model.info).toMatchObject({ name: 'scripted', contextLength: 4096, device: `OpenAI-compatible server ${upstream.baseUrl}` });
    expect(model.info.checkpointHash).toMatch(/^api-[0-9a-f]{16}$/);
    const bytes = new ByteTokenizer();
    expect(await model.tokenizer.encode('héllo <|im_end|>')).toEqual(await bytes.encode('héllo <|im_end|>'));
    expect(model.tokenizer.bosId).toBe(bytes.bosId);
    expect(await model.tokenizer.decode([104, 105])).toBe('hi');
  });

  it('refuses a base URL holding credentials, without repeating them', async () => {
    const failure = await openApiModel({ baseUrl: 'http://user:sk-in-url-123@127.0.0.1:9/v1', ...fast }).catch((error: unknown) => error as UserError);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/holds a user name or password/);
    expect(`${(failure as UserError).message} ${(failure as UserError).hint}`).not.toContain('sk-in-url-123');
  });

  it('a tokenize request that keeps failing stops the run with a UserError saying how to go on', async () => {
    let tokenizes = 0;
    proxy = await startFaultProxy({ upstream: upstream.baseUrl.replace(/\/v1$/, ''), plan: (_i, path) => (path === '/tokenize' && ++tokenizes > 1 ? '500' : 'none') });
    const model = await openApiModel({ baseUrl: `${proxy.url}/v1`, ...fast });
    const failure = await model.tokenizer.encode('hello').catch((error: unknown) => error as UserError);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/the server's tokenizer failed after 2 attempt\(s\): POST .*\/tokenize: 500/);
    expect((failure as UserError).hint).toMatch(/--resume RUN_DIR/);
  });

  it('refuses a model the server does not list, naming those it does', async () => {
    await expect(openApiModel({ baseUrl: upstream.baseUrl, model: 'gpt-5', ...fast })).rejects.toThrow(/--api-model gpt-5: .* serves scripted/);
  });

  it('asks for --api-model when several are served, and says when nothing answers', async () => {
    const base = await scriptedServer(() => [200, { object: 'list', data: [{ id: 'a' }, { id: 'b' }] }]);
    await expect(openApiModel({ baseUrl: base, ...fast })).rejects.toThrow(/serves 2 models \(a, b\)/);
    const closed = await scriptedServer(() => [200, {}]);
    servers.at(-1)?.close();
    const failure = await openApiModel({ baseUrl: closed, ...fast }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).hint).toMatch(/is the server running/);
  });

  it('without /tokenize and without --tokenizer, says what to pass', async () => {
    const base = await scriptedServer((path) => (path === '/v1/models' ? [200, { data: [{ id: 'm' }] }] : [404, { error: { message: 'Not Found' } }]));
    await expect(openApiModel({ baseUrl: base, ...fast })).rejects.toThrow(/does not tokenize/);
    const failure = await openApiModel({ baseUrl: base, ...fast }).catch((error: unknown) => error as UserError);
    expect((failure as UserError).hint).toMatch(/--tokenizer DIR/);
  });
});

describe('scoring', () => {
  it('returns the scripted model\'s log-probs for every continuation, whatever the batch', async () => {
    const model = await openApiModel({ baseUrl: upstream.baseUrl, concurrency: 3, ...fast });
    const requests = [
      { prefixIds: [256, 65, 66], continuations: [[67], [68, 69], [70, 71, 72]] },
      { prefixIds: [256], continuations: [[120, 121, 122, 123]] },
    ];
    const served = await model.scoreBatch(requests);
    const local = await scripted.scoreBatch(requests);
    expect(served).toEqual(local);
    expect(await model.scoreContinuations([256, 65], [[66]])).toEqual(await scripted.scoreContinuations([256, 65], [[66]]));
    // Whole-sequence scoring: the prefix's own log-probs come back from the same echo.
    const whole = await model.scoreBatch([{ prefixIds: [256, 65, 66, 67], continuations: [[68], [69, 70]], prefixLogprobs: true }]);
    const prefix = [65, 66, 67].map((id, i) => contextual([256, 65, 66, 67].slice(0, i + 1), id));
    expect(whole[0]?.map((s) => s.prefixTokenLogprobs)).toEqual([prefix, prefix]);
    expect(whole[0]?.[1]?.tokenLogprobs).toEqual([contextual([256, 65, 66, 67], 69), contextual([256, 65, 66, 67, 69], 70)]);
    expect(model.counters.forwardTokens).toBeGreaterThan(0);
  });

  it('refuses scoring on a server without prompt log-probs, naming what it lacks', async () => {
    const base = await scriptedServer((path) => (path === '/v1/models' ? [200, { data: [{ id: 'plain' }] }]
      : [200, { choices: [{ index: 0, text: ' ok', finish_reason: 'length', logprobs: null }] }]));
    const model = await openServedWithByteTokenizer(base);
    const failure = await model.scoreContinuations([256, 65], [[66]]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/does not return prompt log-probs.*echo \+ logprobs \+ max_tokens 0: .*no prompt log-probs.*prompt_logprobs/);
    expect((failure as UserError).hint).toMatch(/--mode gen/);
  });

  it('refuses a server that ignores echo and returns generated tokens\' log-probs (LMDeploy\'s completions)', async () => {
    const base = await scriptedServer((path) => (path === '/v1/models' ? [200, { data: [{ id: 'lmdeploy-like' }] }]
      : [200, { choices: [{ index: 0, text: 'generated text', finish_reason: 'length', logprobs: { tokens: Array(512).fill('x'), token_logprobs: Array(512).fill(-0.5) } }] }]));
    const model = await openServedWithByteTokenizer(base);
    const failure = await model.scoreContinuations([256, 65], [[66]]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/not the prompt's \(512 values for 4 prompt tokens, first -0\.5, expected null\)/);
  });

  it('sends text prompts, bos left to the server, with --api-prompt text', async () => {
    const prompts: unknown[] = [];
    const base = await scriptedServer((path, body) => {
      if (path === '/v1/models') return [200, { data: [{ id: 'text-only' }] }];
      prompts.push(body.prompt);
      return [200, { choices: [{ index: 0, text: ' done', finish_reason: 'stop' }] }];
    });
    const model = await openServedWithByteTokenizer(base, 'text');
    const result = await model.generate([256, 104, 105], { maxNewTokens: 4 });
    expect(prompts).toEqual(['hi']);
    expect(result).toMatchObject({ text: ' done', finishReason: 'stop_token' });
  });

  it('falls back to vLLM\'s prompt_logprobs extension when echo is refused', async () => {
    const base = await scriptedServer((path, body) => {
      if (path === '/v1/models') return [200, { data: [{ id: 'vllm-like', max_model_len: 128 }] }];
      if (body.echo) return [400, { error: { message: 'echo is not supported' } }];
      const prompt = body.prompt as number[];
      return [200, { choices: [{ index: 0, text: 'x', finish_reason: 'length', prompt_logprobs: prompt.map((id, i) => (i === 0 ? null : { [String(id)]: { logprob: -i / 2, rank: 1 }, 999: { logprob: -9 } })) }] }];
    });
    const model = await openServedWithByteTokenizer(base);
    const [scored] = await model.scoreContinuations([256, 65, 66], [[67, 68]]);
    expect(scored?.tokenLogprobs).toEqual([-1.5, -2]);
  });

  it('a request that fails after its retries fails only its own entry of a batch', async () => {
    // Completions requests: 1 the probe, 2 the warm-up, then the batch's three (one at a time), of which the second gets a 400.
    let completions = 0;
    proxy = await startFaultProxy({ upstream: upstream.baseUrl.replace(/\/v1$/, ''), plan: (_i, path) => (path === '/v1/completions' && ++completions === 4 ? '400' : 'none') });
    const model = await openApiModel({ baseUrl: `${proxy.url}/v1`, concurrency: 1, ...fast, tokenizerDir: undefined });
    await model.scoreContinuations([256, 65], [[66]]);
    const requests = [{ prefixIds: [256, 1], continuations: [[2]] }, { prefixIds: [256, 3], continuations: [[4]] }, { prefixIds: [256, 5], continuations: [[6]] }];
    const failure = await model.scoreBatch(requests).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BatchRequestError);
    const outcomes = await settledBatch(() => model.scoreBatch(requests), 3);
    expect(outcomes.map((o) => isRequestFailure(o))).toEqual([false, false, false]);
    const first = (failure as BatchRequestError<unknown>).outcomes;
    expect(first.filter((o) => o instanceof ModelRequestError)).toHaveLength(1);
    const failed = first.find((o): o is ModelRequestError => o instanceof ModelRequestError) as ModelRequestError;
    expect(failureRecord(failed)).toEqual({ status: 400, attempts: 1, message: expect.stringMatching(/400 .*prompt is too long/) as unknown });
  });
});

describe('generation', () => {
  it('sends messages to /chat/completions and ids to /completions, greedy with a seed', async () => {
    proxy = await startFaultProxy({ upstream: upstream.baseUrl.replace(/\/v1$/, ''), plan: () => 'none' });
    const model = await openApiModel({ baseUrl: `${proxy.url}/v1`, ...fast });
    const promptIds = await new ByteTokenizer().encode('<s><|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    const viaChat = await model.generate(promptIds, { maxNewTokens: 20, stopTokenIds: [257, 259], messages: [{ role: 'user', content: 'hi' }] });
    const viaIds = await model.generate(promptIds, { maxNewTokens: 20, stopTokenIds: [257, 259] });
    const local = await scripted.generate(promptIds, { maxNewTokens: 20, stopTokenIds: [257, 259] });
    expect(viaChat).toEqual(local);
    expect(viaIds).toEqual(local);
    expect(proxy.requests.map((r) => r.path).filter((p) => p.includes('completions'))).toEqual(['/v1/chat/completions', '/v1/completions']);
  });
});

async function openServedWithByteTokenizer(base: string, promptFormat: 'ids' | 'text' = 'ids'): Promise<ApiLanguageModel> {
  // These servers have no /tokenize: the model gets the byte tokenizer directly.
  const { ApiClient } = await import('../../../engine/api/api-client.js');
  const { ApiLanguageModel } = await import('../../../engine/api/api-model.js');
  const client = new ApiClient({ baseUrl: base, concurrency: 2, maxRetries: 0, requestTimeoutMs: 2000 });
  return new ApiLanguageModel({
    client, model: 'm', tokenizer: new ByteTokenizer(), chat: 'auto', seed: 0, promptFormat,
    info: { name: 'm', contextLength: 128, vocabSize: 260, checkpointHash: 'api-test', device: base },
  });
}
