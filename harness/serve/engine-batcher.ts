/**
 * Turns concurrent HTTP requests into the engine's batch calls: while one engine call runs, new
 * requests queue; when it finishes, everything queued of one kind goes into the next `scoreBatch` or
 * `generateBatch` (up to `maxBatch`). An idle batcher waits briefly for company before a call. The engine's results never depend on batching, so a served
 * answer equals the in-process one. If a batch call fails, its requests run again one at a time, so
 * one bad request fails only itself.
 */
import type { GenerateRequest, GenerationResult, LanguageModel, ScoredContinuation, ScoreRequest } from '../../engine/language-model.js';

interface Job<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

type ScoreJob = Job<ScoreRequest, ScoredContinuation[]>;
type GenerateJob = Job<GenerateRequest, GenerationResult>;

export interface BatcherStatistics {
  /** Engine calls made and requests they carried (requests / calls = mean batch size). */
  calls: number;
  requests: number;
  largestBatch: number;
}

export class EngineBatcher {
  readonly statistics: BatcherStatistics = { calls: 0, requests: 0, largestBatch: 0 };
  private readonly scores: ScoreJob[] = [];
  private readonly generations: GenerateJob[] = [];
  private running = false;
  private gathering: ReturnType<typeof setTimeout> | undefined;
  /** Alternates kinds so that a stream of one kind does not starve the other. */
  private preferScores = true;

  private gatherStarted = 0;

  /**
   * An idle batcher gathers before calling the engine: it waits until no request has arrived for
   * `quietMs`, at most `gatherMs` in all. Clients whose previous answers came back together send
   * their next requests a few milliseconds apart (the replies are written one by one); without the
   * wait, the first of them would run alone and the rest queue behind it (batches of 1, 15, 1, 15 …
   * instead of 16). A lone request waits `quietMs`.
   */
  constructor(private readonly model: LanguageModel, private readonly maxBatch = 32, private readonly gatherMs = 40, private readonly quietMs = 8) {}

  score(request: ScoreRequest): Promise<ScoredContinuation[]> {
    return new Promise((resolve, reject) => {
      this.scores.push({ request, resolve, reject });
      this.schedule();
    });
  }

  generate(request: GenerateRequest): Promise<GenerationResult> {
    return new Promise((resolve, reject) => {
      this.generations.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running (shutdown waits for it). */
  async idle(): Promise<void> {
    while (this.running || this.gathering || this.scores.length > 0 || this.generations.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** (Re)starts the gathering wait, unless an engine call is running (its end pumps the queue). */
  private schedule(): void {
    if (this.running) return;
    const now = performance.now();
    if (this.gathering) clearTimeout(this.gathering);
    else this.gatherStarted = now;
    const wait = Math.min(this.quietMs, Math.max(0, this.gatherStarted + this.gatherMs - now));
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      this.pump();
    }, wait);
  }

  private pump(): void {
    if (this.running) return;
    const takeScores = this.scores.length > 0 && (this.preferScores || this.generations.length === 0);
    const queue: (ScoreJob | GenerateJob)[] = takeScores ? this.scores : this.generations;
    if (queue.length === 0) return;
    this.preferScores = !takeScores;
    this.running = true;
    const batch = queue.splice(0, this.maxBatch);
    const work = takeScores ? this.runScores(batch as ScoreJob[]) : this.runGenerations(batch as GenerateJob[]);
    void work.finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async runScores(batch: ScoreJob[]): Promise<void> {
    await this.runBatch(batch, (requests) => this.model.scoreBatch(requests));
  }

  private async runGenerations(batch: GenerateJob[]): Promise<void> {
    await this.runBatch(batch, (requests) => this.model.generateBatch(requests));
  }

  private async runBatch<Request, Result>(batch: Job<Request, Result>[], call: (requests: Request[]) => Promise<Result[]>): Promise<void> {
    this.statistics.calls += 1;
    this.statistics.requests += batch.length;
    this.statistics.largestBatch = Math.max(this.statistics.largestBatch, batch.length);
    try {
      const results = await call(batch.map((job) => job.request));
      batch.forEach((job, i) => job.resolve(results[i] as Result));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const job of batch) {
        try {
          const [result] = await call([job.request]);
          job.resolve(result as Result);
        } catch (single) {
          job.reject(single);
        }
      }
    }
  }
}
