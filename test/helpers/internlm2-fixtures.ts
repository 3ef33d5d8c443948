/**
 * Paths of the shared InternLM2 fixture checkpoints (read-only), and writable copies of them for tests
 * that break a file on purpose.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR } from './shared-data.js';

export { FIXTURES_DIR };

export type FixtureName = 'tiny-fp32' | 'tiny-bf16-sharded' | 'tiny-ntk';

export function fixtureDir(name: FixtureName): string {
  return join(FIXTURES_DIR, name);
}

/** A fresh temporary folder; remove it with removeTempFolder (tests call it in afterEach/afterAll). */
export function makeTempFolder(prefix = 'gnomon-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies a fixture checkpoint into a new temporary folder with writable files. */
export function writableFixtureCopy(name: FixtureName): string {
  const dir = join(makeTempFolder(), name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
  return dir;
}
