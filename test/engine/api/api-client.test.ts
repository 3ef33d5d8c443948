/**
 * The HTTP client against a fault-injecting proxy on loopback (test/helpers/fault-proxy.ts) in front
 * of a real `harness serve` server: transient faults are retried with bounded backoff, Retry-After
 * is obeyed, permanent ones are not retried, a request that keeps failing becomes a ModelRequestError
 * with its status, attempts and message, a refused key is a UserError that never shows the key, and
 * the concurrency cap and start rate hold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, retryAfterMs, type ApiClientOptions } from '../../../engine/api/api-client.js';
import { ModelRequestError, UserError } from '../../../engine/language-model.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { startFaultProxy, type Fault, type FaultProxy, type FaultProxyOptions } from '../../helpers/fault-proxy.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

let upstream: RunningServer;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  upstream = await startServer(new ScriptedModel({ name: 'scripted', delayMs: 0 }), { host: '127.0.0.1', port: 0 });
});
afterAll(async () => upstream.close());
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function through(plan: (index: number) => Fault, options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  proxy = await startFaultProxy({ upstream: upstream.baseUrl.replace(/\/v1$/, ''), plan, ...options });
  return proxy;
}

function client(at: FaultProxy, options: Partial<ApiClientOptions> = {}, log: string[] = []): ApiClient {
  return new ApiClient({
    baseUrl: `${at.url}/v1`, concurrency: 2, maxRetries: 4, requestTimeoutMs: 2000, backoffMs: 5, maxBackoffMs: 20,
    log: (line) => log.push(line), ...options,
  });
}

const COMPLETION = { model: 'scripted', prompt: 'hi', max_tokens: 2, temperature: 0 };

describe('retries', () => {
  it('429, 500, a dropped connection and a cut JSON body are retried, then the reply is used', async () => {
    const faults: Fault[] = ['429', '500', 'drop', 'invalid-json'];
    const at = await through((i) => faults[i] ?? 'none');
    const log: string[] = [];
    const api = client(at, {}, log);
    const reply = (await api.post('completions', COMPLETION)) as { choices: { text: string }[] };
    expect(typeof reply.choices[0]?.text).toBe('string');
    expect(at.requests.map((r) => r.fault)).toEqual([...faults, 'none']);
    expect(api.retries).toBe(4);
    expect(log.filter((line) => line.includes('retry'))).toHaveLength(4);
    expect(log.join('\n')).toMatch(/429 .*Rate limit reached/);
    expect(log.join('\n')).toMatch(/connection failed/);
    expect(log.join('\n')).toMatch(/reply is not JSON/);
  });

  it('honours Retry-After on a 429 instead of its own short backoff', async () => {
    const at = await through((i) => (i === 0 ? '429' : 'none'), { retryAfterSeconds: 1 });
    const log: string[] = [];
    const started = performance.now();
    await client(at, { backoffMs: 1 }, log).post('completions', COMPLETION);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(log[0]).toMatch(/retry 1 of 4 in 1\.0 s/);
  });

  it('gives up after its retries with a ModelRequestError holding status, attempts and message', async () => {
    const at = await through(() => '500');
    const api = client(at, { maxRetries: 2 });
    const failure = await api.post('completions', COMPLETION).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelRequestError);
    expect(failure).toMatchObject({ status: 500, attempts: 3 });
    expect((failure as Error).message).toMatch(/500 .*upstream exploded.*after 3 attempts/);
    expect(at.requests).toHaveLength(3);
    expect(api.failures).toBe(1);
  });

  it('a reply slower than the timeout is abandoned and retried; status null when no reply came', async () => {
    const at = await through(() => 'slow', { slowMs: 1500 });
    const failure = await client(at, { requestTimeoutMs: 200, maxRetries: 1 }).post('completions', COMPLETION).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: null, attempts: 2 });
    expect((failure as Error).message).toMatch(/no reply within 0\.2 s/);
  });

  it('a 400 is not retried: the request itself is wrong', async () => {
    const at = await through(() => '400');
    const failure = await client(at).post('completions', COMPLETION).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400, attempts: 1 });
    expect(at.requests).toHaveLength(1);
  });

  it('a refused key is a UserError naming the variable; the key is sent only in the header and never shown', async () => {
    const key = 'sk-test-5ecret-key-0000';
    const at = await through(() => '401');
    const log: string[] = [];
    const failure = await client(at, { apiKey: key, apiKeySource: 'MY_SERVED_KEY' }, log).post('completions', COMPLETION).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/refused the API key \(401/);
    expect((failure as UserError).hint).toMatch(/\$MY_SERVED_KEY/);
    expect(at.requests[0]?.authorization).toBe(`Bearer ${key}`);
    expect(at.requests).toHaveLength(1);
    const shown = `${(failure as UserError).message}\n${(failure as UserError).hint}\n${(failure as Error).stack ?? ''}\n${log.join('\n')}`;
    expect(shown).not.toContain(key);
  });

  it('backoff is bounded: exponential with jitter, never above maxBackoffMs', async () => {
    const at = await through((i) => (i < 6 ? '500' : 'none'));
    const log: string[] = [];
    await client(at, { maxRetries: 6, backoffMs: 10, maxBackoffMs: 40 }, log).post('completions', COMPLETION);
    const waits = log.map((line) => Number(/in (\d+) ms/.exec(line)?.[1])).filter((w) => !Number.isNaN(w));
    expect(waits).toHaveLength(6);
    // Retry k waits a draw from [c/2, c] with c = min(40, 10·2^(k−1)) ms (rounded to whole ms).
    waits.forEach((wait, k) => {
      const ceiling = Math.min(40, 10 * 2 ** k);
      expect(wait).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(wait).toBeLessThanOrEqual(ceiling);
    });
  });
});

describe('pacing', () => {
  it('never has more requests in flight than --concurrency', async () => {
    const at = await through(() => 'slow', { slowMs: 80 });
    const api = client(at, { concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => api.post('completions', COMPLETION)));
    expect(at.requests).toHaveLength(8);
    expect(at.peakInFlight()).toBe(2);
    expect(api.gate.peak).toBe(2);
  });

  it('spaces request starts by 1/qps', async () => {
    const at = await through(() => 'none');
    const api = client(at, { concurrency: 8, queriesPerSecond: 20 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => api.post('completions', COMPLETION)));
    // Six starts at 20 per second: the last starts 5 × 50 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(245);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
  });
});
