/**
 * Streams reference corpora past the benchmark n-gram index. Text files are read in 1 MiB chunks
 * (n-grams may span lines: wrapped prose is one stream); JSONL files one record at a time, taking
 * one string field per record (n-grams never span records). Memory is bounded by the benchmark
 * index plus one chunk or one record, whatever the corpus size.
 */
import { createReadStream, existsSync, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname, join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { rethrowFileSystemError } from '../file-errors.js';
import { fileTextProblem, textProblemError } from '../text-file.js';
import { foldText, foldedUnits } from './normalise.js';
import { NgramMatcher, type BenchmarkNgramIndex, type CorpusLocation } from './ngram-index.js';

export type CorpusFileKind = 'text' | 'jsonl';

export interface CorpusFile {
  readonly file: string;
  readonly kind: CorpusFileKind;
  readonly bytes: number;
}

export interface CorpusScanStats {
  readonly files: readonly (CorpusFile & { documents: number; recordsWithoutField: number })[];
  /** Files inside directories skipped for their extension. */
  readonly skipped: readonly string[];
  /** Binary files (a NUL byte at `offset`) inside directories: skipped and counted, never scanned as text. */
  readonly skippedBinary: readonly { readonly file: string; readonly offset: number }[];
  /** FIFOs, sockets and devices inside directories: skipped and counted. */
  readonly skippedNotRegular: readonly string[];
  readonly bytes: number;
  readonly units: number;
  /** Corpus positions where some benchmark n-gram was found. */
  readonly matches: number;
}

const TEXT_EXTENSIONS = new Set(['.txt', '.text', '.md']);
const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson']);
const CHUNK_BYTES = 1 << 20;
/** A "word" longer than this (no space, no CJK) is cut rather than buffered without bound. */
const MAX_CARRY_CHARACTERS = 1 << 20;

export interface CorpusListing {
  readonly files: CorpusFile[];
  /** Files inside folders skipped for their extension. */
  readonly skipped: string[];
  /** Things inside folders that are not regular files (FIFOs, sockets, devices): skipped and counted. */
  readonly notRegular: string[];
}

function statOrRefuse(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    rethrowFileSystemError(error, path, 'listing the corpus');
  }
}

/**
 * Expands `--corpus` paths: files as given, directories recursively (text and JSONL files only).
 * What a user's folder can hold and gnomon cannot read — a dangling link, a link loop, a folder it
 * may not list — is refused with a two-line error naming the path; a FIFO, socket or device inside a
 * folder is skipped and counted (reading a FIFO would block forever).
 */
export function listCorpusFiles(paths: readonly string[]): CorpusListing {
  const files: CorpusFile[] = [];
  const skipped: string[] = [];
  const notRegular: string[] = [];
  const visit = (path: string, explicit: boolean, ancestors: readonly string[]): void => {
    const stat = statOrRefuse(path);
    if (stat.isDirectory()) {
      // A link back to a folder being listed would recurse until the path is too long.
      const real = realpathSync(path);
      if (ancestors.includes(real)) {
        throw new UserError(`--corpus: ${path} is a symbolic link loop (it leads back to ${real}, a folder already being listed)`, 'remove the link (ls -l shows where it points), or pass the folders you mean one by one');
      }
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (error) {
        rethrowFileSystemError(error, path, 'listing the corpus folder');
      }
      for (const name of names) visit(join(path, name), false, [...ancestors, real]);
      return;
    }
    if (!stat.isFile()) {
      if (explicit) throw new UserError(`--corpus ${path}: not a regular file (a FIFO, socket or device)`, 'pass text (.txt/.md) or JSONL files, or folders holding them');
      notRegular.push(path);
      return;
    }
    const extension = extname(path).toLowerCase();
    if (JSONL_EXTENSIONS.has(extension)) files.push({ file: path, kind: 'jsonl', bytes: stat.size });
    // A file named explicitly is read as text whatever its extension; inside folders only known kinds.
    else if (TEXT_EXTENSIONS.has(extension) || explicit) files.push({ file: path, kind: 'text', bytes: stat.size });
    else skipped.push(path);
  };
  for (const path of paths) {
    if (path.trim() === '') throw new UserError('--corpus: an empty path', 'pass text (.txt/.md) or JSONL files, or folders holding them');
    if (!existsSync(path) && !isSymbolicLink(path)) throw new UserError(`--corpus ${path}: no such file or directory`, 'pass text (.txt/.md) or JSONL files, or folders holding them');
    visit(path, true, []);
  }
  if (files.length === 0) throw new UserError(`--corpus ${paths.join(' ')}: no .txt, .md or .jsonl files found`, 'point --corpus at the corpus files or the folder holding them');
  return { files, skipped, notRegular };
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Checks every listed file's bytes before the scan starts (bounded memory; the native UTF-8 check
 * reads hundreds of MB per second): a file that is not UTF-8 text is refused with its first bad
 * byte, since its n-grams would silently match nothing; a binary file (NUL bytes) inside a folder is
 * skipped and counted, and refused when named explicitly.
 */
export function checkCorpusText(listing: CorpusListing, explicit: readonly string[]): { files: CorpusFile[]; binary: { file: string; offset: number }[] } {
  const files: CorpusFile[] = [];
  const binary: { file: string; offset: number }[] = [];
  for (const corpusFile of listing.files) {
    const problem = fileTextProblem(corpusFile.file);
    if (problem?.kind === 'binary' && !explicit.includes(corpusFile.file)) {
      binary.push({ file: corpusFile.file, offset: problem.offset });
      continue;
    }
    if (problem) throw textProblemError(corpusFile.file, problem, 'corpus file');
    files.push(corpusFile);
  }
  if (files.length === 0) throw new UserError(`--corpus ${explicit.join(' ')}: every corpus file is binary (${binary.length} skipped)`, 'point --corpus at UTF-8 text or JSONL files');
  return { files, binary };
}

export interface ScanOptions {
  /** JSONL: the string field holding each record's text. */
  readonly jsonlField: string;
  /** Called after each chunk or record with bytes read so far. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Scans every corpus file; matches are recorded in `index` (read them with `index.overlaps()`). */
export async function scanCorpus(index: BenchmarkNgramIndex, paths: readonly string[], options: ScanOptions): Promise<CorpusScanStats> {
  const listing = listCorpusFiles(paths);
  const { files, binary } = checkCorpusText(listing, paths);
  const { skipped, notRegular } = listing;
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  let location: CorpusLocation = { file: '', line: 0 };
  // The line of a match inside a text chunk is worked out only when an item's first match is found.
  let chunkText = '';
  let chunkLine = 0;
  let unitIndex = 0;
  const matcher = new NgramMatcher(index, () =>
    location.file === '' ? location : { file: location.file, line: chunkText === '' ? location.line : chunkLine + countNewlines(chunkText, unitIndex) },
  );
  let units = 0;
  let bytesBefore = 0;
  const results: CorpusScanStats['files'][number][] = [];
  const feed = (folded: string): void => {
    for (const { unit, index: at } of foldedUnits(folded)) {
      unitIndex = at;
      units += 1;
      matcher.push(unit);
    }
  };
  for (const corpusFile of files) {
    let documents = 0;
    let recordsWithoutField = 0;
    if (corpusFile.kind === 'text') {
      location = { file: corpusFile.file, line: 1 };
      let carry = '';
      let line = 1;
      let bytesRead = 0;
      const stream = createReadStream(corpusFile.file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
      const processText = (text: string): void => {
        chunkText = foldText(text);
        chunkLine = line;
        feed(chunkText);
        line += countNewlines(text, text.length);
      };
      for await (const chunk of stream as AsyncIterable<string>) {
        bytesRead += Buffer.byteLength(chunk);
        const text = carry + chunk;
        const cut = lastUnitBoundary(text);
        if (cut < 0 && text.length < MAX_CARRY_CHARACTERS) {
          carry = text;
        } else {
          const end = cut < 0 ? text.length : cut + 1;
          processText(text.slice(0, end));
          carry = text.slice(end);
        }
        options.onProgress?.(bytesBefore + bytesRead, totalBytes);
      }
      if (carry !== '') processText(carry);
      documents = 1;
      matcher.endDocument();
      chunkText = '';
    } else {
      const lines = createInterface({ input: createReadStream(corpusFile.file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES }), crlfDelay: Infinity });
      let lineNumber = 0;
      let bytesRead = 0;
      let withField = 0;
      for await (const line of lines) {
        lineNumber += 1;
        bytesRead += Buffer.byteLength(line) + 1;
        if (line.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (error) {
          throw new UserError(`${corpusFile.file}:${lineNumber}: not a JSON record (${(error as Error).message})`, 'fix or remove the line; JSONL corpora hold one JSON object per line');
        }
        const value = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[options.jsonlField] : undefined;
        documents += 1;
        if (typeof value !== 'string') {
          recordsWithoutField += 1;
          continue;
        }
        withField += 1;
        location = { file: corpusFile.file, line: lineNumber };
        chunkText = '';
        feed(foldText(value));
        matcher.endDocument();
        if (lineNumber % 1024 === 0) options.onProgress?.(bytesBefore + bytesRead, totalBytes);
      }
      if (documents > 0 && withField === 0) {
        throw new UserError(`${corpusFile.file}: no record has a string field "${options.jsonlField}"`, 'name the text field with --corpus-field (e.g. --corpus-field content)');
      }
    }
    bytesBefore += corpusFile.bytes;
    results.push({ ...corpusFile, documents, recordsWithoutField });
  }
  return { files: results, skipped, skippedBinary: binary, skippedNotRegular: notRegular, bytes: totalBytes, units, matches: matcher.matches };
}

/** Index of the last character at which the text can be cut without splitting a unit, or -1. */
function lastUnitBoundary(text: string): number {
  for (let index = text.length - 1; index >= 0; index -= 1) {
    const code = text.charCodeAt(index);
    if (
      code <= 0x20 || // ASCII whitespace and controls
      (code >= 0x21 && code <= 0x2f) || (code >= 0x3a && code <= 0x40) || (code >= 0x5b && code <= 0x60) || (code >= 0x7b && code <= 0x7e) || // ASCII punctuation
      (code >= 0x3000 && code <= 0x30ff) || // CJK punctuation, kana
      (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff) // Han
    ) {
      return index;
    }
  }
  return -1;
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
