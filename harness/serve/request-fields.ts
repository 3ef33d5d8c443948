/**
 * Reading the fields of an OpenAI request body: each reader returns the typed value or throws a
 * RequestError (400) naming the field, so a malformed request never reaches the engine.
 */
import { RequestError } from './request-error.js';

export type Body = Record<string, unknown>;

export function requestBody(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestError(400, 'the request body must be a JSON object');
  return value as Body;
}

export function optionalNumber(body: Body, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RequestError(400, `"${field}" must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`, field);
  }
  return value;
}

export function optionalInteger(body: Body, field: string, min: number, max: number): number | undefined {
  const value = optionalNumber(body, field, min, max);
  if (value !== undefined && !Number.isInteger(value)) throw new RequestError(400, `"${field}" must be a whole number, got ${value}`, field);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new RequestError(400, `"${field}" must be true or false`, field);
  return value;
}

/** `stop`: a string or a list of up to 16 strings (OpenAI allows 4; vLLM more). */
export function stopStrings(body: Body): string[] {
  const value = body.stop;
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 16 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw new RequestError(400, '"stop" must be a non-empty string or a list of up to 16 of them', 'stop');
  }
  return list as string[];
}

/** Token ids checked against the vocabulary. */
export function tokenIds(value: unknown, vocabSize: number, field: string): number[] {
  if (!Array.isArray(value) || !value.every((t) => Number.isInteger(t) && (t as number) >= 0 && (t as number) < vocabSize)) {
    throw new RequestError(400, `"${field}" must be a list of token ids from 0 to ${vocabSize - 1}`, field);
  }
  return value as number[];
}

/** `n` other than 1 is not served: one choice per prompt. */
export function requireSingleChoice(body: Body): void {
  const n = optionalInteger(body, 'n', 1, 128);
  if (n !== undefined && n !== 1) throw new RequestError(400, '"n" must be 1: gnomon serves one choice per prompt', 'n');
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1) throw new RequestError(400, '"best_of" must be 1', 'best_of');
}
