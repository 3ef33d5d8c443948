/**
 * Ctrl-C on a real `harness needle` process: the first SIGINT stops after the cell in flight, writes
 * the partial report and prints what was saved and the resume command (exit 130); the resume
 * finishes the sweep; the same on a real ceval process. A second SIGINT stops at once, with the
 * record in flight a served model's completion that never comes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, exited, runCli, startCli } from '../../helpers/cli-process.js';
import { startServer } from '../../../harness/serve/openai-server.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, FIXTURES_DIR } from '../../helpers/shared-data.js';

const SWEEP = ['needle', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--lengths', '512,1024', '--depths', '0..100', '--repeats', '5'];
const CELLS = 2 * 11 * 5;

function waitFor(child: ReturnType<typeof startCli>, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (pattern.test(child.output.stderr)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`no ${String(pattern)} in:\n${child.output.stderr}`));
      }
    }, 50);
  });
}

/** Waits until the run's records file holds at least `count` lines (the pipe shows no line per cell). */
async function waitForRecords(child: ReturnType<typeof startCli>, count: number): Promise<void> {
  await waitFor(child, /run directory \S+\n/);
  const file = join(/run directory (\S+)\n/.exec(child.output.stderr)?.[1] ?? '', 'records.jsonl');
  for (let waited = 0; waited < 120_000; waited += 50) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').length > count) return;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} records:\n${child.output.stderr}`);
}

function recordLines(runDir: string): unknown[] {
  const text = readFileSync(join(runDir, 'records.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

let work: string;
beforeAll(() => {
  cliPath();
  work = mkdtempSync(join(tmpdir(), 'gnomon-ctrl-c-'));
}, 120_000);

describe('Ctrl-C', () => {
  it('stops after the cell in flight, writes the partial report, prints the resume command; the resume finishes', async () => {
    const child = startCli([...SWEEP, '--out', join(work, 'first')], { cwd: work });
    await waitForRecords(child, 3);
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, child.output.stderr).toBe(130);
    const saved = /interrupted after (\d+)\/110 cells; records saved in (\S+)\n/.exec(child.output.stderr);
    expect(saved, child.output.stderr).not.toBeNull();
    const done = Number(saved?.[1]);
    const runDir = saved?.[2] ?? '';
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(CELLS);
    expect(child.output.stderr).toContain(`resume with: harness needle --resume ${runDir}\n`);
    // Every record is a finished cell (none recorded as an error by the interruption), and the report covers them.
    const records = recordLines(runDir) as { status: string }[];
    expect(records).toHaveLength(done);
    expect(records.every((record) => record.status === 'ok')).toBe(true);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as object;
    expect(JSON.stringify(summary)).toContain('512');

    const resumed = runCli(['needle', '--resume', runDir], { cwd: work, timeoutMs: 240_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(recordLines(runDir)).toHaveLength(CELLS);
    // The report names the command that started the run, not the resume.
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('--repeats 5');
    expect(html).not.toContain('--resume');
  }, 400_000);

  it('ceval: stops between questions, writes the partial tables and questions.csv, resumes to the end', async () => {
    const args = ['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'accountant,art_studies', '--shots', '0', '--batch-size', '1'];
    const child = startCli([...args, '--out', join(work, 'ceval')], { cwd: work });
    await waitForRecords(child, 3);
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, child.output.stderr).toBe(130);
    const saved = /interrupted after (\d+)\/(\d+) questions; records saved in (\S+)\n/.exec(child.output.stderr);
    expect(saved, child.output.stderr).not.toBeNull();
    const runDir = saved?.[3] ?? '';
    const total = Number(saved?.[2]);
    expect(total).toBe(82); // accountant's 49 and art_studies's 33 val questions
    expect(child.output.stderr).toContain(`resume with: harness ceval --resume ${runDir}\n`);
    const done = Number(saved?.[1]);
    expect(recordLines(runDir)).toHaveLength(done);
    expect(readFileSync(join(runDir, 'questions.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(done + 1);
    expect(readFileSync(join(runDir, 'summary.csv'), 'utf8')).toContain('ceval-accountant');
    const resumed = runCli(['ceval', '--resume', runDir], { cwd: tmpdir(), timeoutMs: 240_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(recordLines(runDir)).toHaveLength(total);
  }, 400_000);

  it('a second Ctrl-C stops at once', async () => {
    // The record in flight is a completion the server never answers (a served model over loopback:
    // `harness serve`'s server on a scripted model, behind a relay that holds every completion), so
    // the first Ctrl-C's "after the record in flight" can never come: only the second one can end
    // the run, and it must end it there and then. The second is sent once the first is acknowledged,
    // so the two cannot merge into one signal.
    const upstream = await startServer(new ScriptedModel({ name: 'held', tokenizer: new ByteTokenizer({ chatTemplate: null }), reply: () => 'The code is 123456.' }), { host: '127.0.0.1', port: 0 });
    const held: ServerResponse[] = [];
    const relay = createServer((request, response) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        if ((request.url ?? '').endsWith('/completions')) {
          held.push(response);
          return;
        }
        const reply = await fetch(`${upstream.baseUrl.replace(/\/v1$/, '')}${request.url ?? '/'}`, {
          method: request.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        });
        response.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await reply.arrayBuffer()));
      })();
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/v1`;
      const child = startCli(['needle', '--api-base', base, '--lengths', '700', '--depths', '50', '--answer-tokens', '24', '--out', join(work, 'second')], { cwd: work });
      for (let waited = 0; held.length === 0; waited += 50) {
        if (waited > 120_000 || child.exitCode !== null) throw new Error(`no completion request arrived:\n${child.output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill('SIGINT');
      await waitFor(child, /stopping after the record in flight/);
      child.kill('SIGINT');
      const { code } = await exited(child);
      expect(code).toBe(130);
      expect(child.output.stderr).toContain('stopped at once');
      expect(child.output.stderr).not.toContain('interrupted after');
    } finally {
      for (const response of held) response.destroy();
      await new Promise((resolve) => relay.close(resolve));
      await upstream.close();
    }
  }, 300_000);
});
