/**
 * A fault-injecting HTTP proxy on loopback, in front of a real server (usually `harness serve`'s
 * startServer): each request either passes through or gets the fault its plan names — 429 with a
 * Retry-After, 500, a dropped connection, a cut JSON body, a reply slower than the client's timeout,
 * or a 401. It counts requests and the most in flight at once, so tests can check a client's cap.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'none' | '429' | '500' | 'drop' | 'invalid-json' | 'slow' | '401' | '400';

export interface FaultProxyOptions {
  /** Upstream base, e.g. http://127.0.0.1:PORT (paths are forwarded as they come). */
  readonly upstream: string;
  /** The fault for request number `index` (0-based, in arrival order) to `path`. */
  readonly plan: (index: number, path: string) => Fault;
  /** Retry-After sent with 429s, in seconds (default 0). */
  readonly retryAfterSeconds?: number;
  /** How long a 'slow' reply waits before answering. */
  readonly slowMs?: number;
}

export interface FaultProxy {
  readonly url: string;
  readonly requests: { path: string; fault: Fault; authorization: string | undefined }[];
  readonly peakInFlight: () => number;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const requests: FaultProxy['requests'] = [];
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer((request, response) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    const done = (): void => {
      inFlight -= 1;
    };
    response.once('close', done);
    const path = request.url ?? '/';
    const fault = options.plan(requests.length, path);
    requests.push({ path, fault, authorization: request.headers.authorization });
    void (async () => {
      const body = await bodyOf(request);
      switch (fault) {
        case '429':
          response.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(options.retryAfterSeconds ?? 0) });
          response.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error', param: null, code: 429 } }));
          return;
        case '500':
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { message: 'upstream exploded', type: 'internal_error', param: null, code: 500 } }));
          return;
        case '401':
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'authentication_error', param: null, code: 401 } }));
          return;
        case '400':
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { message: 'prompt is too long', type: 'invalid_request_error', param: 'prompt', code: 400 } }));
          return;
        case 'drop':
          request.socket.destroy();
          return;
        case 'invalid-json':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"choices": [{"text": "cut he');
          return;
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 2000));
          break;
        case 'none':
          break;
      }
      try {
        const forwarded = await fetch(`${options.upstream}${path}`, {
          method: request.method ?? 'GET',
          headers: { 'content-type': 'application/json', ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) },
          ...(request.method === 'POST' ? { body } : {}),
        });
        const text = await forwarded.text();
        response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' });
        response.end(text);
      } catch {
        // The client gave up (a slow reply past its timeout) or the upstream closed.
        response.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    peakInFlight: () => peak,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
