/**
 * SentencePiece's own command-line tools (Debian package `sentencepiece`: spm_train, spm_encode,
 * spm_decode), used as the reference for the tokenizer.model → tokenizer.json conversion, and a
 * deterministic mixed English / Chinese / digit corpus to train small models on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';

export function hasSentencePieceTools(): boolean {
  return ['spm_train', 'spm_encode', 'spm_decode'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
}

const ENGLISH = (
  'the quick brown fox jumps over a lazy dog while the secret code for the blue door is hidden in a long ' +
  'context haystack and the model must find the needle then answer each question with one letter'
).split(' ');
const CHINESE = '以下是中国关于计算机网络考试的单项选择题请选出正确答案模型在长文本中找到秘密代码蓝色的门后面藏着数字';
/** Characters seen a handful of times: below the character coverage, so they become byte pieces. */
const RARE = 'éüß';

/** Writes `lines` lines of seeded mixed text to `file`. */
export function writeMixedCorpus(file: string, lines: number, seed = 'gnomon-spm'): void {
  const random = seedrandom(seed);
  const pick = <T>(items: ArrayLike<T>): T => items[Math.floor(random() * items.length)]!;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    const count = 3 + Math.floor(random() * 12);
    for (let w = 0; w < count; w++) {
      const r = random();
      if (r < 0.45) words.push(random() < 0.1 ? pick(ENGLISH).replace(/^./, (c) => c.toUpperCase()) : pick(ENGLISH));
      else if (r < 0.8) words.push(Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(CHINESE)).join(''));
      else if (r < 0.97) words.push(String(Math.floor(random() * 100000)));
      else words.push(pick(['.', ',', '!', '?', '。', '，', ':']));
    }
    if (i % 500 === 0) words.push(pick(RARE));
    out.push(words.join(random() < 0.9 ? ' ' : ''));
  }
  writeFileSync(file, out.join('\n') + '\n');
}

/** Runs spm_train; `options` are its flags without dashes. Returns the .model path. */
export function trainSentencePiece(corpus: string, modelPrefix: string, options: Record<string, string | number | boolean>): string {
  const flags = Object.entries({ input: corpus, model_prefix: modelPrefix, num_threads: 2, minloglevel: 2, ...options }).map(
    ([key, value]) => `--${key}=${String(value)}`,
  );
  execFileSync('spm_train', flags, { stdio: ['ignore', 'ignore', 'pipe'] });
  return `${modelPrefix}.model`;
}

/**
 * SentencePiece's ids for each string. spm_encode reads one sentence per line, so the strings must
 * not contain newlines.
 */
export function spmEncodeIds(model: string, texts: readonly string[], scratchDir: string): number[][] {
  for (const text of texts) if (text.includes('\n')) throw new Error(`spm_encode is line-based; cannot encode ${JSON.stringify(text)}`);
  const input = join(scratchDir, 'spm-input.txt');
  const output = join(scratchDir, 'spm-output.txt');
  writeFileSync(input, texts.join('\n') + '\n');
  execFileSync('spm_encode', [`--model=${model}`, '--output_format=id', `--input=${input}`, `--output=${output}`]);
  const lines = readFileSync(output, 'utf8').split('\n');
  return texts.map((_, index) => {
    const line = lines[index] ?? '';
    return line.trim() === '' ? [] : line.trim().split(/\s+/).map(Number);
  });
}

/** SentencePiece's decoding of one id sequence (the text may contain newlines). */
export function spmDecodeIds(model: string, ids: readonly number[], scratchDir: string): string {
  const input = join(scratchDir, 'spm-ids.txt');
  writeFileSync(input, ids.join(' ') + '\n');
  const decoded = execFileSync('spm_decode', [`--model=${model}`, '--input_format=id', `--input=${input}`], { encoding: 'utf8' });
  // spm_decode ends its one output line with a newline.
  return decoded.endsWith('\n') ? decoded.slice(0, -1) : decoded;
}
