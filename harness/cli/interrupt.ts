/**
 * Ctrl-C: the first one asks the command to stop after the record in flight (the engine call that is
 * running finishes and its records are written; the next engine call throws `Interrupted`), so the
 * command can write partial reports and say how to resume. A second Ctrl-C exits at once: records
 * are appended and flushed one line at a time, and a cut last line is repaired on resume.
 */
import type { LanguageModel } from '../../engine/language-model.js';

export const INTERRUPTED_EXIT_CODE = 130;

let requests = 0;

export class Interrupted extends Error {
  constructor(
    /** What was saved, e.g. "interrupted after 24/189 questions; records saved in runs/x". */
    readonly summary = 'interrupted; the records written so far are kept',
    /** The run folder, when one exists (for the resume command). */
    readonly runDir?: string,
  ) {
    super(summary);
  }
}

export function stopRequested(): boolean {
  return requests > 0;
}

export function throwIfInterrupted(): void {
  if (requests > 0) throw new Interrupted();
}

/** Installs the SIGINT/SIGTERM handlers (the CLI does, once). */
export function handleInterrupts(write: (line: string) => void): void {
  const onSignal = (): void => {
    requests += 1;
    if (requests === 1) {
      write('\nstopping after the record in flight (Ctrl-C again to stop at once; the records written so far are kept)\n');
    } else {
      write('\nstopped at once; records written so far are kept (resume with --resume)\n');
      process.exit(INTERRUPTED_EXIT_CODE);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const ENGINE_CALLS = new Set<PropertyKey>(['scoreContinuations', 'scoreBatch', 'generate', 'generateBatch']);

/**
 * The model with a check before every engine call: after Ctrl-C the next call throws `Interrupted`,
 * so every runner stops between records without knowing about signals.
 */
export function interruptible(model: LanguageModel): LanguageModel {
  return new Proxy(model, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!ENGINE_CALLS.has(key)) return method.bind(target);
      return (...args: unknown[]) => {
        throwIfInterrupted();
        return method.apply(target, args);
      };
    },
  });
}

/** `Interrupted` with what the run saved: COUNT of TOTAL UNIT, the run folder. */
export function interruptedRun(runDir: string, done: number, total: number, unit: string): Interrupted {
  return new Interrupted(`interrupted after ${done}/${total} ${unit}; records saved in ${runDir}`, runDir);
}
