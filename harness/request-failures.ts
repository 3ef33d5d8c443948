/**
 * Batch calls whose requests may fail one by one (a served model): each request's result, or the
 * ModelRequestError that ended it, so a runner records a failed unit as an error — never as a
 * wrong answer — and keeps the finished ones. A local model never fails this way.
 */
import { BatchRequestError, ModelRequestError, type RequestFailureInfo } from '../engine/language-model.js';

export type Settled<T> = T | ModelRequestError;

export async function settledBatch<T>(call: () => Promise<T[]>, count: number): Promise<Settled<T>[]> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof BatchRequestError) return error.outcomes as Settled<T>[];
    if (error instanceof ModelRequestError) return new Array<Settled<T>>(count).fill(error);
    throw error;
  }
}

export function isRequestFailure<T>(outcome: Settled<T>): outcome is ModelRequestError {
  return outcome instanceof ModelRequestError;
}

/** The JSON of an error record's `error` field: status code, attempts, message (no key, no headers). */
export function failureRecord(error: ModelRequestError): RequestFailureInfo {
  return { status: error.status, attempts: error.attempts, message: error.message };
}
