/**
 * gnomon's engine as an OpenAI-compatible HTTP server (node:http): GET /v1/models, POST
 * /v1/completions, /v1/chat/completions, /tokenize, /detokenize (also under /v1/), GET /health.
 * Bad requests get OpenAI-style JSON errors with a 4xx status; a failure inside the engine gets a
 * 500 for that request only; the server keeps serving either way. With an API key, every endpoint but
 * /health wants `Authorization: Bearer KEY`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isUserError, type LanguageModel } from '../../engine/language-model.js';
import { chatReply, planChat, streamChat } from './chat-completions.js';
import { completions } from './completions.js';
import { errorBody, RequestError } from './request-error.js';
import { ServedModel } from './served-model.js';
import { detokenize, tokenize } from './tokenize.js';

export interface ServeOptions {
  readonly host: string;
  /** 0: any free port (the address is in the result). */
  readonly port: number;
  /** Served model name; default: the checkpoint folder's name. */
  readonly name?: string;
  readonly apiKey?: string | undefined;
  /** Most requests per engine call. */
  readonly maxBatch?: number;
  /** One line per request (method, path, status, ms). */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly server: Server;
  readonly served: ServedModel;
  /** `http://host:port/v1`. */
  readonly baseUrl: string;
  /** Stops accepting, waits for requests in flight, closes idle connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, `request body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestError(400, `the body is not valid JSON (${(error as Error).message})`);
  }
}

function authorised(request: IncomingMessage, apiKey: string | undefined): boolean {
  if (!apiKey) return true;
  const given = Buffer.from(request.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${apiKey}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export async function startServer(model: LanguageModel, options: ServeOptions): Promise<RunningServer> {
  const served = new ServedModel(model, options.name ?? model.info.name, options.maxBatch);
  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0]?.replace(/\/+$/, '') || '/';
    const method = request.method ?? 'GET';
    // /health also says how requests were batched: engine calls, requests they carried, the largest batch.
    if (method === 'GET' && path === '/health') return sendJson(response, 200, { status: 'ok', batching: served.batcher.statistics });
    if (!authorised(request, options.apiKey)) throw new RequestError(401, 'Incorrect API key provided: pass it as "Authorization: Bearer KEY"');
    if (method === 'GET' && path === '/v1/models') {
      return sendJson(response, 200, {
        object: 'list',
        data: [{ id: served.name, object: 'model', created: served.created, owned_by: 'gnomon', root: served.name, max_model_len: served.contextLength }],
      });
    }
    const handlers: Record<string, ((body: unknown) => Promise<unknown>) | undefined> = {
      '/v1/completions': (body) => completions(served, body),
      '/tokenize': (body) => tokenize(served, body),
      '/v1/tokenize': (body) => tokenize(served, body),
      '/detokenize': (body) => detokenize(served, body),
      '/v1/detokenize': (body) => detokenize(served, body),
    };
    if (path === '/v1/chat/completions' || handlers[path]) {
      if (method !== 'POST') throw new RequestError(405, `${path} takes POST`);
      const body = await readJsonBody(request);
      checkModelName(served, body);
      if (path === '/v1/chat/completions') {
        const plan = await planChat(served, body);
        const result = await plan.run();
        const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
        if (plan.stream) return streamChat(served, result, id, response);
        return sendJson(response, 200, chatReply(served, plan, result, id));
      }
      return sendJson(response, 200, await (handlers[path] as (body: unknown) => Promise<unknown>)(body));
    }
    throw new RequestError(404, `no endpoint ${method} ${path}`);
  };

  const server = createServer((request, response) => {
    const started = performance.now();
    // A client that hangs up mid-reply must not take the server down.
    response.on('error', () => undefined);
    route(request, response).catch((error: unknown) => {
      if (error instanceof RequestError) return sendJson(response, error.status, errorBody(error.status, error.message, error.type, error.param));
      // The engine refusing an input (too long, bad ids) is the client's doing; anything else is ours.
      if (isUserError(error)) return sendJson(response, 400, errorBody(400, `${error.message} (${error.hint})`, 'invalid_request_error', null));
      options.log?.(`internal error on ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return sendJson(response, 500, errorBody(500, `internal error: ${error instanceof Error ? error.message : String(error)}`, 'internal_error', null));
    }).finally(() => {
      options.log?.(`${request.method} ${request.url} ${response.statusCode} ${(performance.now() - started).toFixed(0)} ms`);
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server, served, baseUrl: `http://${host}:${address.port}/v1`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await served.batcher.idle();
    },
  };
}

/** A request naming another model gets a 404, as vLLM answers it. */
function checkModelName(served: ServedModel, body: unknown): void {
  const name = (body as { model?: unknown } | null)?.model;
  if (typeof name === 'string' && name !== served.name) throw new RequestError(404, `The model \`${name}\` does not exist; this server serves ${served.name}`, 'model');
}
