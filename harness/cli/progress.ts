/**
 * Progress of the long phases, on the user's stderr. On a terminal: a live bar (cli-progress) with
 * done/total, the rate over a recent window, ETA and errors so far. Through a pipe or into a file:
 * plain lines, at most one per PIPE_INTERVAL_MS and one at the end, so logs stay short.
 * Steps without a count (model load, kernel compilation) print one line each with their own time.
 */
import cliProgress from 'cli-progress';
import { stderrColumns, stderrIsTerminal } from './terminal.js';

const PIPE_INTERVAL_MS = 10_000;
/** The rate is measured over the last RATE_WINDOW finished units (not from the start: loading and compiling would drag it down). */
const RATE_WINDOW = 20;

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function write(text: string): void {
  process.stderr.write(text);
}

/** A terminal as cli-progress sees it: the user's stderr, whose tty-ness the entry process carried across. */
function terminalStream(): NodeJS.WritableStream & { isTTY: boolean; columns: number } {
  return Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, {
    isTTY: true,
    get columns() { return stderrColumns(); },
    write: (chunk: string | Uint8Array, ...rest: unknown[]) => process.stderr.write(chunk, ...(rest as [])),
  });
}

/** Runs one uncounted step (model load, kernel compilation), printing its name and its time. */
export async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  if (stderrIsTerminal()) write(`${label} …`);
  const result = await work();
  const took = seconds(performance.now() - started);
  write(stderrIsTerminal() ? `\r\x1b[2K${label}: ${took}\n` : `${label}: ${took}\n`);
  return result;
}

export class ProgressDisplay {
  private readonly times: number[] = [];
  private bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;
  private errors = 0;
  private done = 0;
  private finished = false;

  constructor(private readonly label: string, private readonly total: number, private readonly unit: string, alreadyDone = 0) {
    this.done = alreadyDone;
    if (stderrIsTerminal()) {
      this.bar = new cliProgress.SingleBar({
        stream: terminalStream(),
        format: `${label} {bar} {value}/{total} · {recentRate} · ETA {remaining} · errors {errors}{detail}`,
        barsize: 24,
        hideCursor: false,
        clearOnComplete: false,
        linewrap: false,
        fps: 5,
        noTTYOutput: false,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, alreadyDone, { recentRate: '…', remaining: '…', errors: 0, detail: '' });
    } else {
      write(`${label}: ${total} ${unit}${alreadyDone > 0 ? ` (${alreadyDone} done before)` : ''}\n`);
      this.lastLine = performance.now();
    }
  }

  /** One unit finished (failed: counted as an error); detail: a short note shown beside the bar. */
  tick(options: { failed?: boolean; detail?: string; done?: number } = {}): void {
    if (this.finished) return;
    this.done = options.done ?? this.done + 1;
    if (options.failed) this.errors += 1;
    const now = performance.now();
    this.times.push(now);
    if (this.times.length > RATE_WINDOW + 1) this.times.shift();
    const rate = this.rate();
    const eta = rate > 0 ? seconds(((this.total - this.done) / rate) * 1000) : '…';
    const rateText = rate > 0 ? `${rate >= 1 ? rate.toFixed(1) : rate.toFixed(2)} ${this.unit}/s` : '…';
    if (this.bar) {
      this.bar.update(this.done, { recentRate: rateText, remaining: eta, errors: this.errors, detail: options.detail ? ` · ${options.detail}` : '' });
    } else if (now - this.lastLine >= PIPE_INTERVAL_MS && this.done < this.total) {
      write(`${this.label}: ${this.done}/${this.total} ${this.unit}, ${rateText}, ETA ${eta}, errors ${this.errors}\n`);
      this.lastLine = now;
    }
    if (this.done >= this.total) this.finish();
  }

  /** Units per second over the recent window. */
  rate(): number {
    if (this.times.length < 2) return 0;
    const first = this.times[0] ?? 0;
    const last = this.times[this.times.length - 1] ?? 0;
    return last > first ? ((this.times.length - 1) * 1000) / (last - first) : 0;
  }

  /** Closes the bar (or prints the last line); safe to call twice. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.bar) {
      this.bar.stop();
    } else {
      write(`${this.label}: ${this.done}/${this.total} ${this.unit}, errors ${this.errors}\n`);
    }
  }
}

/** The engine calls a command makes (a model, or the part of one a warm-up needs). */
interface WarmableModel {
  readonly tokenizer: { encode(text: string): Promise<number[]> };
  generate(promptIds: readonly number[], options: { maxNewTokens: number }): Promise<unknown>;
  scoreContinuations(prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<unknown>;
}

/**
 * Opens the model as its own step, then compiles the kernels with a two-token generation and one
 * scored continuation (pipelines are compiled on first use): neither time lands in the first
 * record's time or in the rate.
 */
export async function openWithSteps<M extends WarmableModel>(open: () => Promise<M>): Promise<M> {
  const model = await step('loading the model', open);
  await step('compiling kernels', async () => {
    const ids = await model.tokenizer.encode('The kernels compile on first use.');
    await model.generate(ids, { maxNewTokens: 2 });
    await model.scoreContinuations(ids.slice(0, -1), [ids.slice(-1)]);
  });
  return model;
}

/** `step` for synchronous work (report writing). */
export function stepSync<T>(label: string, work: () => T): T {
  const started = performance.now();
  if (stderrIsTerminal()) write(`${label} …`);
  const result = work();
  const took = seconds(performance.now() - started);
  write(stderrIsTerminal() ? `\r\x1b[2K${label}: ${took}\n` : `${label}: ${took}\n`);
  return result;
}
