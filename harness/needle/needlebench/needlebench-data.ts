/**
 * NeedleBench's data files, read from a folder laid out like OpenCompassData (`--data-dir DIR` holds
 * `DIR/needlebench/…`): the needles file (`needles.jsonl`: one JSON object a line with `needle`,
 * `retrieval_question`, `arg1`, `arg2`, `language` ∈ English | Chinese) and haystack files
 * (`PaulGrahamEssays.jsonl`, `zh_finance.jsonl`, …: one `{"text": …}` a line). Every line is
 * parsed up front; a bad one is refused with its file and line, never skipped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../../engine/language-model.js';

export type NeedleBenchLanguage = 'English' | 'Chinese';

export interface NeedleBenchNeedle {
  readonly needle: string;
  readonly retrieval_question: string;
  readonly arg1: string;
  readonly arg2: string;
  readonly language: NeedleBenchLanguage;
}

export interface HaystackLine {
  readonly text: string;
}

/** `DIR/needlebench`, checked to exist. */
export function needleBenchFolder(dataDir: string): string {
  const folder = join(dataDir, 'needlebench');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError(`--data-dir ${dataDir}: ${folder} is not a folder`, 'pass the OpenCompassData data folder (the one holding needlebench/needles.jsonl and the haystack .jsonl files)');
  }
  return folder;
}

function readUtf8(file: string): string {
  if (!existsSync(file)) throw new UserError(`${file} not found`, `put ${basename(file)} in ${dirname(file)} (OpenCompassData ships it in data/needlebench/), or name another file in that folder with --haystack-file`);
  const bytes = readFileSync(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0 && !bytes.includes(Buffer.from('\uFFFD'))) {
    throw new UserError(`${file} is not valid UTF-8 (near character ${bad})`, `convert it: iconv -f GB18030 -t UTF-8 ${file} > fixed.jsonl`);
  }
  return text;
}

/** Lines of a JSONL file parsed as Python's `json.loads(line.strip())` would, each checked by `check`. */
function readJsonl<T>(file: string, hint: string, check: (value: unknown) => string | undefined): T[] {
  const lines = readUtf8(file).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, index) => {
    let value: unknown;
    try {
      value = JSON.parse(line.trim());
    } catch (error) {
      throw new UserError(`${file}:${index + 1}: not a JSON object (${(error as Error).message})`, 'each line must be one JSON object; NeedleBench reads every line with json.loads');
    }
    const problem = check(value);
    if (problem) throw new UserError(`${file}:${index + 1}: ${problem}`, hint);
    return value as T;
  });
}

const isString = (value: unknown): value is string => typeof value === 'string';

export function readNeedles(file: string): NeedleBenchNeedle[] {
  return readJsonl<NeedleBenchNeedle>(file, 'needles.jsonl lines need string fields needle, retrieval_question, arg1, arg2 and language (English or Chinese)', (value) => {
    if (typeof value !== 'object' || value === null) return 'not a JSON object';
    const record = value as Record<string, unknown>;
    for (const field of ['needle', 'retrieval_question', 'arg2', 'language'] as const) {
      if (!isString(record[field])) return `field "${field}" is missing or not a string`;
    }
    if (record.language !== 'English' && record.language !== 'Chinese') return `language "${String(record.language)}" is neither English nor Chinese`;
    return undefined;
  });
}

export function readHaystackLines(file: string): HaystackLine[] {
  return readJsonl<HaystackLine>(file, 'haystack files are JSONL with one {"text": "..."} object a line (as OpenCompassData ships them)', (value) => {
    if (typeof value !== 'object' || value === null || !isString((value as Record<string, unknown>).text)) return 'no string field "text"';
    return undefined;
  });
}

/** `names.json`: {"English": "name,name,…", "Chinese": "…"} (multi-needle reasoning draws its people from it). */
export function readNames(file: string): { en: string[]; zh: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(readUtf8(file));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: not JSON (${(error as Error).message})`, 'names.json is one JSON object {"English": "name,name,...", "Chinese": "..."}');
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const list = (key: 'English' | 'Chinese'): string[] => {
    const names = record[key];
    if (typeof names !== 'string') throw new UserError(`${file}: field "${key}" is missing or not a string`, 'names.json is one JSON object {"English": "name,name,...", "Chinese": "..."}');
    return names.split(',');
  };
  return { en: list('English'), zh: list('Chinese') };
}

/** A v1 multi-needle reasoning record (`multi_needle_reasoning_{en,zh}.json`, one JSON array). */
export interface ReasoningRecord {
  readonly derivation_count: number;
  readonly derivations: readonly string[];
  readonly answer: string;
  readonly question: string;
}

export function readReasoningRecords(file: string): ReasoningRecord[] {
  const hint = 'multi_needle_reasoning_{en,zh}.json is one JSON array of {"derivation_count", "derivations": [...], "answer", "question"}';
  let value: unknown;
  try {
    value = JSON.parse(readUtf8(file));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: not JSON (${(error as Error).message})`, hint);
  }
  if (!Array.isArray(value)) throw new UserError(`${file}: not a JSON array`, hint);
  return value.map((item: unknown, index) => {
    const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const ok = typeof record.derivation_count === 'number' && Array.isArray(record.derivations) && record.derivations.every(isString) && isString(record.answer) && isString(record.question);
    if (!ok) throw new UserError(`${file}: record ${index} lacks derivation_count, derivations, answer or question`, hint);
    return record as unknown as ReasoningRecord;
  });
}
