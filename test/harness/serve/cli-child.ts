/**
 * Compiles `harness/cli.ts` (and its import closure) to JavaScript once, so that tests run the real
 * `harness serve` command as a child process — a separate process, as a user would start it.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');

export function compileCli(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'gnomon-serve-cli-'));
  execFileSync(process.execPath, [
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', outDir, '--rootDir', REPO, '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node',
    join(REPO, 'harness', 'cli.ts'),
  ], { stdio: 'pipe' });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(outDir, 'node_modules'));
  // Shaders and corpora are found from the package root (engine/package-root.ts): link them in.
  for (const folder of ['shaders', 'corpora']) symlinkSync(join(REPO, folder), join(outDir, folder));
  return join(outDir, 'harness', 'cli.js');
}

export interface ServeChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:PORT/v1`, the line `harness serve` prints on stdout once listening. */
  readonly baseUrl: string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startServeChild(cli: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeChild> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const baseUrl = await new Promise<string>((resolvePromise, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`harness serve did not start in 90 s:\n${stderr}`)), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('http://'));
      if (line) {
        clearTimeout(timer);
        resolvePromise(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`harness serve exited with ${code}:\n${stderr}`));
    });
  });
  return {
    child, baseUrl, stderr: () => stderr,
    stop: () => new Promise((resolvePromise) => {
      if (child.exitCode !== null) return resolvePromise(child.exitCode);
      child.once('exit', (code) => resolvePromise(code));
      child.kill('SIGTERM');
    }),
  };
}
