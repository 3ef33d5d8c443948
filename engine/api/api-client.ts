/**
 * JSON over HTTP to an OpenAI-compatible server, with the failure handling long evaluations need:
 * a timeout per attempt, bounded retries with exponential backoff and jitter for transient failures
 * (429, 5xx, 408, dropped connections, timeouts, unreadable replies), `Retry-After` honoured, a cap on
 * requests in flight and a start rate (request-pacing.ts). A request that still fails becomes a
 * ModelRequestError (status, attempts, message) that runners record; a wrong key or a missing endpoint
 * is a UserError, since every later request would fail the same way.
 *
 * The API key goes into the Authorization header only: no message, log line or error carries it.
 */
import { ModelRequestError, UserError } from '../errors.js';
import { ConcurrencyGate, sleep, StartRateLimiter } from './request-pacing.js';

export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:23333/v1` (the part before /models, /completions). */
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  /** Name of the variable the key came from, for messages (never the key itself). */
  readonly apiKeySource?: string;
  /** Most requests in flight at once. */
  readonly concurrency: number;
  /** Most request starts per second; undefined: no limit. */
  readonly queriesPerSecond?: number | undefined;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Per attempt, headers and body included. */
  readonly requestTimeoutMs: number;
  /** First backoff delay; doubles per retry up to `maxBackoffMs`, each drawn in [half, full] (jitter). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Longest `Retry-After` obeyed; a server asking for more gets this. */
  readonly maxRetryAfterMs?: number;
  /** Retries, failures and requests running longer than `slowRequestMs`, for the progress output. */
  readonly log?: (line: string) => void;
  readonly slowRequestMs?: number;
  readonly random?: () => number;
}

/** A reply that is not worth retrying the same way: the message names the endpoint and status. */
class PermanentFailure extends Error {
  constructor(readonly status: number | null, message: string) {
    super(message);
  }
}

/** A transient failure: retried with backoff, `retryAfterMs` when the server said how long to wait. */
class TransientFailure extends Error {
  constructor(readonly status: number | null, message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

const TRANSIENT_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The message of an OpenAI-style error body (`{"error": {"message"}}`, or vLLM's older `{"message"}`), else the text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    if (typeof body.error === 'object' && typeof body.error?.message === 'string') return body.error.message;
    if (typeof body.error === 'string') return body.error;
    if (typeof body.message === 'string') return body.message;
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

interface InFlight {
  readonly what: string;
  readonly started: number;
  attempt: number;
  reported: boolean;
}

export class ApiClient {
  readonly baseUrl: string;
  /** The server root (`baseUrl` without a trailing /v1), where vLLM serves /tokenize. */
  readonly rootUrl: string;
  readonly gate: ConcurrencyGate;
  private readonly limiter: StartRateLimiter;
  private readonly options: ApiClientOptions;
  private readonly inFlight = new Set<InFlight>();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** Counts for summaries: attempts beyond the first, and requests that failed for good. */
  retries = 0;
  failures = 0;

  constructor(options: ApiClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.rootUrl = this.baseUrl.replace(/\/v1$/, '');
    this.gate = new ConcurrencyGate(options.concurrency);
    this.limiter = new StartRateLimiter(options.queriesPerSecond);
  }

  get(path: string): Promise<unknown> {
    return this.request('GET', path, undefined);
  }

  post(path: string, body: unknown): Promise<unknown> {
    return this.request('POST', path, body);
  }

  /** Stops the slow-request watchdog (the client stays usable). */
  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** `path` starting with `/v1/…` or `/…` is taken from the root; other paths from the base. */
  private url(path: string): string {
    return path.startsWith('/') ? `${this.rootUrl}${path}` : `${this.baseUrl}/${path}`;
  }

  private async request(method: 'GET' | 'POST', path: string, body: unknown): Promise<unknown> {
    const url = this.url(path);
    const what = `${method} ${url}`;
    const entry: InFlight = { what, started: performance.now(), attempt: 0, reported: false };
    this.inFlight.add(entry);
    this.startWatchdog();
    try {
      for (let attempt = 1; ; attempt += 1) {
        entry.attempt = attempt;
        let failure: TransientFailure | PermanentFailure;
        try {
          await this.limiter.wait();
          return await this.gate.run(() => this.attempt(method, url, body));
        } catch (error) {
          if (error instanceof UserError) throw error;
          failure = error instanceof TransientFailure || error instanceof PermanentFailure ? error : new TransientFailure(null, (error as Error).message);
        }
        if (failure instanceof PermanentFailure || attempt > this.options.maxRetries) {
          this.failures += 1;
          const message = `${what}: ${failure.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`;
          this.options.log?.(`api: failed: ${message}`);
          throw new ModelRequestError({ status: failure.status, attempts: attempt, message });
        }
        const wait = this.backoff(attempt, failure.retryAfterMs);
        this.retries += 1;
        const delay = wait < 1000 ? `${Math.round(wait)} ms` : `${(wait / 1000).toFixed(1)} s`;
        this.options.log?.(`api: ${failure.message} from ${what}; retry ${attempt} of ${this.options.maxRetries} in ${delay}`);
        await sleep(wait);
      }
    } finally {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0) this.close();
    }
  }

  /** Delay before retry `attempt` (1-based): the server's Retry-After when given, else capped exponential with jitter. */
  private backoff(attempt: number, serverAsked: number | undefined): number {
    const random = this.options.random ?? Math.random;
    if (serverAsked !== undefined) return Math.min(serverAsked, this.options.maxRetryAfterMs ?? 120_000);
    const base = this.options.backoffMs ?? 500;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 30_000, base * 2 ** (attempt - 1));
    return ceiling / 2 + (random() * ceiling) / 2;
  }

  private async attempt(method: 'GET' | 'POST', url: string, body: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method, headers, signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new TransientFailure(null, `no reply within ${this.options.requestTimeoutMs / 1000} s`);
      throw new TransientFailure(null, `connection failed (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new UserError(
        `${method} ${url}: the server refused the API key (${response.status}: ${errorMessage(text)})`,
        `set the right key in $${this.options.apiKeySource ?? 'OPENAI_API_KEY'} (or name another variable with --api-key-env)`,
      );
    }
    if (!response.ok) {
      const message = `${response.status} ${response.statusText || 'error'}: ${errorMessage(text)}`;
      if (TRANSIENT_STATUSES.has(response.status)) throw new TransientFailure(response.status, message, retryAfterMs(response.headers.get('retry-after')));
      throw new PermanentFailure(response.status, message);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A cut or garbled body is what an overloaded proxy sends: worth another try.
      throw new TransientFailure(response.status, `reply is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 60))})`);
    }
  }

  /** Every 5 s while requests run: one line per request slower than `slowRequestMs` (once each). */
  private startWatchdog(): void {
    const slowMs = this.options.slowRequestMs ?? 60_000;
    if (this.watchdog || !this.options.log) return;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const entry of this.inFlight) {
        if (!entry.reported && now - entry.started > slowMs) {
          entry.reported = true;
          this.options.log?.(`api: ${entry.what} still waiting after ${((now - entry.started) / 1000).toFixed(0)} s (attempt ${entry.attempt}; ${this.inFlight.size} in flight)`);
        }
      }
    }, Math.min(5000, slowMs));
    this.watchdog.unref();
  }
}
