/**
 * Finds and reads WGSL files from the project's shaders/ folder. Kernels that read a weight matrix
 * are composed from two files: the weight-storage file (shaders/weights/<format>.wgsl, which defines
 * the binding and `weight_at`) followed by the kernel itself — plain file concatenation, no macros.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let shadersDir: string | undefined;

/** The shaders/ folder: next to package.json, found by walking up from this module (src or dist). */
export function shaderDirectory(): string {
  if (shadersDir) return shadersDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shaders');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) {
      shadersDir = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shaders/ folder not found above engine/ (is the package installed whole?)');
    dir = parent;
  }
}

const cache = new Map<string, string>();

export function readShader(relativePath: string): string {
  let source = cache.get(relativePath);
  if (source === undefined) {
    source = readFileSync(join(shaderDirectory(), relativePath), 'utf8');
    cache.set(relativePath, source);
  }
  return source;
}

/** Concatenates shader files in order; `enable` directives are hoisted to the top as WGSL requires. */
export function composeShader(files: readonly string[]): string {
  const enables: string[] = [];
  const bodies: string[] = [];
  for (const file of files) {
    const lines = readShader(file).split('\n');
    bodies.push(lines.filter((line) => {
      if (/^\s*enable\s+[\w, ]+;\s*$/.test(line)) {
        if (!enables.includes(line.trim())) enables.push(line.trim());
        return false;
      }
      return true;
    }).join('\n'));
  }
  return [...enables, ...bodies].join('\n');
}
