/**
 * Compiles a TypeScript child-process script (and only its import closure) to JavaScript in a
 * temporary folder, so tests can run it as a plain Node process — to kill it, or to race several.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

/** Returns the path of the compiled `.js` for `entry` (a path relative to the repository root). */
export function compileChild(entry: string): string {
  const outDir = mkdtempSync(join(tmpdir(), 'gnomon-child-'));
  execFileSync(process.execPath, [
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', outDir, '--rootDir', REPO, '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node',
    join(REPO, entry),
  ], { stdio: 'pipe' });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(outDir, 'node_modules'));
  // Shaders and corpora are found from the package root: the compiled tree has none, so link them.
  for (const folder of ['shaders', 'corpora']) symlinkSync(join(REPO, folder), join(outDir, folder));
  return join(outDir, relative(REPO, entry).replace(/\.ts$/, '.js'));
}
