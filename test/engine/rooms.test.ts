/**
 * The engine's rooms import only downwards (../shared/DESIGN.md): a lower room never imports a higher
 * one, and nothing outside engine/ reaches into a room except through engine/index.ts and the contract
 * (engine/language-model.ts). Benches may reach into rooms (they time kernels and plans directly).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** Bottom to top; files directly in engine/ other than index.ts form the floor. */
const roomOrder = ['', 'tokenizer', 'checkpoint', 'gpu', 'model', 'session', 'api', 'index'] as const;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)];
  return specifiers.map((match) => resolve(dirname(file), match[1]!));
}

/** The room of a path inside engine/, or undefined outside it. */
function roomOf(path: string): string | undefined {
  const inside = relative(join(repo, 'engine'), path);
  if (inside.startsWith('..')) return undefined;
  const parts = inside.split('/');
  if (parts.length === 1) return parts[0] === 'index.js' || parts[0] === 'index.ts' ? 'index' : '';
  return parts[0]!;
}

describe('engine rooms', () => {
  it('every folder in engine/ is a known room', () => {
    const folders = readdirSync(join(repo, 'engine')).filter((name) => statSync(join(repo, 'engine', name)).isDirectory());
    for (const folder of folders) expect(roomOrder as readonly string[]).toContain(folder);
  });

  it('no engine file imports from a room above its own', () => {
    const violations: string[] = [];
    for (const file of tsFiles(join(repo, 'engine'))) {
      const own = roomOrder.indexOf(roomOf(file) as (typeof roomOrder)[number]);
      for (const target of relativeImports(file)) {
        const room = roomOf(target);
        if (room === undefined) continue;
        const level = roomOrder.indexOf(room as (typeof roomOrder)[number]);
        // session and api are siblings: each implements the contract, neither needs the other.
        const siblings = (room === 'session' && roomOf(file) === 'api') || (room === 'api' && roomOf(file) === 'session');
        if (level > own || siblings) violations.push(`${relative(repo, file)} imports ${relative(repo, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('harness/ and reports/ use the engine only through index.ts and language-model.ts', () => {
    const allowed = new Set(['engine/index.js', 'engine/language-model.js']);
    const violations: string[] = [];
    for (const top of ['harness', 'reports']) {
      for (const file of tsFiles(join(repo, top))) {
        for (const target of relativeImports(file)) {
          const path = relative(repo, target);
          if (path.startsWith('engine/') && !allowed.has(path)) violations.push(`${relative(repo, file)} imports ${path}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('detects a violation (the check can fail)', () => {
    const fake = join(repo, 'engine/tokenizer/x.ts');
    expect(roomOf(fake)).toBe('tokenizer');
    expect(roomOrder.indexOf('tokenizer')).toBeLessThan(roomOrder.indexOf('model'));
    expect(roomOf(join(repo, 'engine/index.ts'))).toBe('index');
    expect(roomOf(join(repo, 'harness/cli.ts'))).toBeUndefined();
  });
});
