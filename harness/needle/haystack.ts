/**
 * Haystacks: the filler text needles are hidden in, split into sentences so that needles go only
 * between sentences. `en` and `zh` are the project's generated corpora (corpora/); any UTF-8 text
 * file works too (`--haystack FILE`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { packagePath } from '../../engine/index.js';
import { UserError } from '../../engine/language-model.js';

export type HaystackLanguage = 'en' | 'zh';

export interface Haystack {
  /** `en`, `zh`, or the file's name. */
  readonly name: string;
  /** Path of the text it was read from. */
  readonly file: string;
  /** Language of questions and needles for this haystack. */
  readonly language: HaystackLanguage;
  /**
   * Sentences in order; each carries the whitespace that precedes it, so joining them gives the text
   * back and a sentence tokenizes alone as it does in place (byte-level BPE glues a space to the
   * word after it, not before).
   */
  readonly sentences: readonly string[];
}

const CJK_TERMINATORS = '。！？';
const LATIN_TERMINATORS = '.!?';
const CLOSERS = '"\')]}”’」』）》';

/** Splits text after `.!?` (followed by whitespace or the end) and after `。！？` (always). */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  let index = 0;
  while (index < text.length) {
    const ch = text[index] ?? '';
    const cjk = CJK_TERMINATORS.includes(ch);
    if (cjk || LATIN_TERMINATORS.includes(ch)) {
      let end = index + 1;
      while (end < text.length && (CJK_TERMINATORS.includes(text[end] ?? '') || LATIN_TERMINATORS.includes(text[end] ?? ''))) end += 1;
      while (end < text.length && CLOSERS.includes(text[end] ?? '')) end += 1;
      if (cjk || end >= text.length || /\s/.test(text[end] ?? '')) {
        pushSentence(sentences, text.slice(start, end));
        start = end;
      }
      index = end;
    } else {
      index += 1;
    }
  }
  pushSentence(sentences, text.slice(start));
  return sentences;
}

function pushSentence(sentences: string[], segment: string): void {
  if (segment.trim() === '') {
    // Whitespace after the last sentence: keep it with the previous one so the text joins back whole.
    if (segment !== '' && sentences.length > 0) sentences[sentences.length - 1] += segment;
    return;
  }
  sentences.push(segment);
}

/** `zh` when at least a fifth of the letters are CJK ideographs, else `en`. */
export function detectLanguage(text: string): HaystackLanguage {
  const sample = text.slice(0, 20_000);
  const cjk = (sample.match(/\p{Script=Han}/gu) ?? []).length;
  const letters = (sample.match(/\p{L}/gu) ?? []).length;
  return letters > 0 && cjk / letters >= 0.2 ? 'zh' : 'en';
}

/** The corpora/ folder shipped with the package. */
export function corporaDirectory(): string {
  const dir = packagePath('corpora');
  if (!existsSync(join(dir, 'en.txt'))) throw new UserError(`${dir}/en.txt not found`, 'reinstall gnomon whole (corpora/ ships with it) or pass --haystack FILE');
  return dir;
}

/** Resolves `--haystack en|zh|FILE` and reads it. `language` overrides detection for files. */
export function loadHaystack(spec: string, language?: HaystackLanguage): Haystack {
  const builtIn = spec === 'en' || spec === 'zh';
  const file = builtIn ? join(corporaDirectory(), `${spec}.txt`) : resolve(spec);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UserError(`--haystack ${spec}: ${file} is not a file`, 'use --haystack en, --haystack zh, or the path of a UTF-8 text file');
  }
  const text = readFileSync(file, 'utf8');
  if (text.includes('\uFFFD')) {
    throw new UserError(`--haystack ${spec}: ${file} is not valid UTF-8 (replacement characters found)`, 'convert the file to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)');
  }
  const sentences = splitSentences(text.replace(/\r\n?/g, '\n'));
  if (sentences.length < 8) {
    throw new UserError(`--haystack ${spec}: ${file} has only ${sentences.length} sentences`, 'use a longer text; needles go between sentences ending in . ! ? or 。！？');
  }
  return { name: builtIn ? spec : basename(file), file, language: builtIn ? spec : (language ?? detectLanguage(text)), sentences };
}
