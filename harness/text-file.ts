/**
 * Data files must be UTF-8 text. Node decodes anything as UTF-8 without complaint, turning a GBK
 * C-Eval CSV into replacement characters that then get scored, and a binary file into noise that
 * matches nothing — so every data file (CSV, JSONL, JSON, corpora) goes through these checks, which
 * name the file, the offset of the first bad byte and the `iconv` command that converts it.
 *
 * A NUL byte means a binary file (no UTF-8 text file holds one); bytes that do not decode as UTF-8
 * mean another encoding (GBK/GB18030 for most Chinese data).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { UserError } from '../engine/language-model.js';
import { rethrowFileSystemError } from './file-errors.js';

export type TextProblem =
  | { readonly kind: 'binary'; readonly offset: number }
  | { readonly kind: 'not-utf8'; readonly offset: number; readonly byte: number };

/** Length of the UTF-8 sequence a lead byte starts, or 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Offset of the first byte that does not decode, or -1. With `partialEnd`, a sequence cut off by the
 * end of `bytes` is not an error (the next chunk completes it); its start is returned as `tail`.
 */
export function firstInvalidUtf8(bytes: Uint8Array, partialEnd = false): { invalid: number; tail: number } {
  for (let at = 0; at < bytes.length;) {
    const lead = bytes[at] as number;
    const length = sequenceLength(lead);
    if (length === 0) return { invalid: at, tail: bytes.length };
    if (length === 1) {
      at += 1;
      continue;
    }
    for (let k = 1; k < length; k += 1) {
      if (at + k >= bytes.length) return partialEnd ? { invalid: -1, tail: at } : { invalid: at, tail: bytes.length };
      const next = bytes[at + k] as number;
      // Second-byte ranges that exclude overlong forms, surrogates and code points past U+10FFFF.
      const low = k === 1 && lead === 0xe0 ? 0xa0 : k === 1 && lead === 0xf0 ? 0x90 : 0x80;
      const high = k === 1 && lead === 0xed ? 0x9f : k === 1 && lead === 0xf4 ? 0x8f : 0xbf;
      if (next < low || next > high) return { invalid: at, tail: bytes.length };
    }
    at += length;
  }
  return { invalid: -1, tail: bytes.length };
}

/**
 * Checks a file chunk by chunk (bounded memory, whatever its size). Feed consecutive chunks to
 * `push`, then call `end`; each returns the first problem found, or undefined.
 */
export class TextChecker {
  private offset = 0;
  private carry: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): TextProblem | undefined {
    const nul = chunk.indexOf(0);
    if (nul >= 0) return { kind: 'binary', offset: this.offset + nul };
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const start = this.offset - this.carry.length;
    this.offset += chunk.length;
    // The fast path (isUtf8 is native) fails on a chunk cut inside a sequence; the byte walk then finds
    // whether that is all it is.
    if (isUtf8(bytes)) {
      this.carry = new Uint8Array(0);
      return undefined;
    }
    const { invalid, tail } = firstInvalidUtf8(bytes, true);
    if (invalid >= 0) return { kind: 'not-utf8', offset: start + invalid, byte: bytes[invalid] as number };
    this.carry = bytes.slice(tail);
    return undefined;
  }

  end(): TextProblem | undefined {
    if (this.carry.length === 0) return undefined;
    return { kind: 'not-utf8', offset: this.offset - this.carry.length, byte: this.carry[0] as number };
  }
}

/** First problem of a whole buffer, or undefined. */
export function textProblem(bytes: Uint8Array): TextProblem | undefined {
  const checker = new TextChecker();
  return checker.push(bytes) ?? checker.end();
}

/** Reads a file chunk by chunk and returns its first problem, or undefined (file errors become UserErrors). */
export function fileTextProblem(file: string, chunkBytes = 1 << 20): TextProblem | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    rethrowFileSystemError(error, file, 'opening it');
  }
  try {
    const checker = new TextChecker();
    const buffer = Buffer.alloc(chunkBytes);
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, chunkBytes, null);
      } catch (error) {
        rethrowFileSystemError(error, file, 'reading it');
      }
      if (read === 0) return checker.end();
      const problem = checker.push(buffer.subarray(0, read));
      if (problem) return problem;
    }
  } finally {
    closeSync(fd);
  }
}

/** The UserError for a problem of `file`: what is wrong where, and how to convert it. */
export function textProblemError(file: string, problem: TextProblem, what = 'data file'): UserError {
  if (problem.kind === 'binary') {
    return new UserError(
      `${file}: a binary file, not UTF-8 text (NUL byte at offset ${problem.offset}); a ${what} must be text`,
      'pass the text file itself (unpack archives first), or leave this file out',
    );
  }
  const hex = `0x${problem.byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return new UserError(
    `${file}: not UTF-8 text: byte ${hex} at offset ${problem.offset} does not decode (GBK/GB18030 files look like this); a ${what} must be UTF-8`,
    `convert it, e.g. iconv -f GB18030 -t UTF-8 '${file}' > converted.csv, and use the converted file`,
  );
}

/** Reads a data file as UTF-8 text, refusing binary and non-UTF-8 files (see textProblemError). */
export function readUtf8File(file: string, what = 'data file'): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    rethrowFileSystemError(error, file, 'reading it');
  }
  const problem = textProblem(bytes);
  if (problem) throw textProblemError(file, problem, what);
  return bytes.toString('utf8');
}
