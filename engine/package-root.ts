/**
 * The installed package's root folder (the nearest folder above this module holding package.json),
 * so that shaders/, corpora/ and .cache/ are found the same way from the TypeScript sources (vitest)
 * and from the compiled dist/ tree.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)} (is the package installed whole?)`);
    dir = parent;
  }
  root = dir;
  return dir;
}

/** A file or folder shipped with the package, e.g. packagePath('shaders'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/**
 * Where gnomon keeps what it generates for itself (the demo model, tokenizers converted from
 * tokenizer.model): $GNOMON_CACHE, else .cache/ in the package.
 */
export function cacheRoot(): string {
  const configured = process.env['GNOMON_CACHE'];
  return configured ? resolve(configured) : packagePath('.cache');
}
