/**
 * The real `harness serve` command as a child process (harness/cli.ts compiled once, as
 * test/helpers/compiled-child.ts does) — a separate process, as a user would start it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { compileChild } from '../../helpers/compiled-child.js';

export function compileCli(): string {
  return compileChild('harness/cli.ts');
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
