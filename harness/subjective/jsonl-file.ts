/** Reading the benchmark's JSON and JSONL files (UTF-8 only) with errors that name the file and line. */
import { existsSync } from 'node:fs';
import { UserError } from '../../engine/language-model.js';
import { readUtf8File } from '../text-file.js';

export function readJsonFile(file: string, hint: string): unknown {
  if (!existsSync(file)) throw new UserError(`${file}: not found`, hint);
  try {
    return JSON.parse(readUtf8File(file, 'benchmark file')) as unknown;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, hint);
  }
}

/** Every non-empty line of a JSONL file, parsed, with its 1-based line number. */
export function readJsonLines(file: string, hint: string): { line: number; value: unknown }[] {
  if (!existsSync(file)) throw new UserError(`${file}: not found`, hint);
  const rows: { line: number; value: unknown }[] = [];
  readUtf8File(file, 'JSONL file').split('\n').forEach((text, index) => {
    if (text.trim() === '') return;
    try {
      rows.push({ line: index + 1, value: JSON.parse(text) as unknown });
    } catch (error) {
      throw new UserError(`${file}:${index + 1}: not a JSON line (${(error as Error).message})`, hint);
    }
  });
  return rows;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
