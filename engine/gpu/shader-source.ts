/**
 * Finds and reads WGSL files from the project's shaders/ folder. Kernels that read a weight matrix
 * are composed from two files: the weight-storage file (shaders/weights/<format>.wgsl, which defines
 * the binding and `weight_at`) followed by the kernel itself — plain file concatenation, no macros.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../package-root.js';

/** The shaders/ folder shipped with the package. */
export function shaderDirectory(): string {
  return packagePath('shaders');
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
