/**
 * A short content hash of a checkpoint's tokenizer files (tokenizer.json, tokenizer_config.json), kept
 * in run.json beside the checkpoint hash (which covers config.json and the weights): a re-converted
 * tokenizer or an edited chat template changes prompts without touching a weight, and a comparison
 * of two runs should say so.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function tokenizerFilesHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    const file = join(dir, name);
    hash.update(`\0${name}\0`);
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}
