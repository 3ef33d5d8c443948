/**
 * The harness CLI compiled from this checkout into a temporary package (tsc with the project's own
 * tsconfig), for tests that run it as separate processes — shards, Slurm jobs — where vitest's
 * TypeScript loader is not there. shaders/ and corpora/ are linked in, so the engine finds them
 * the way an installed package does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

/** Compiles the project; returns the path of cli.js. Takes ~15 s on two cores. */
export function compileCli(): string {
  const root = mkdtempSync(join(tmpdir(), 'gnomon-compiled-cli-'));
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.json'), '--outDir', join(root, 'dist')], { stdio: 'pipe' });
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  for (const shipped of ['node_modules', 'shaders', 'corpora']) symlinkSync(join(REPO, shipped), join(root, shipped));
  return join(root, 'dist', 'harness', 'cli.js');
}

/** Removes what compileCli made (the links only, never what they point to). */
export function removeCompiledCli(cli: string): void {
  if (cli !== '') rmSync(dirname(dirname(dirname(cli))), { recursive: true, force: true });
}
