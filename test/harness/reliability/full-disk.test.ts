// Issue 17 item 10 (full disk): a disk that fills up mid-run is a two-line UserError, not an
// internal error; every record written before it stays readable, and --resume after freeing space
// finishes the run with each question once. The disk is a real 1 MiB tmpfs (mounted here: tests run
// as root in this sandbox); /dev/full, which fails every write with ENOSPC, covers machines where
// mounting is not allowed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/errors.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { readJsonl, RecordWriter } from '../../../harness/records.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, temporaryDirectory } from '../ceval/ceval-data-fixture.js';

let disk = '';
let mounted = false;
beforeAll(() => {
  disk = temporaryDirectory('gnomon-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'pipe' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
});

const settings = { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'logic'], chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 } as const;
const model = (): ScriptedModel => new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2) });

describe('a full disk', () => {
  it('appending to /dev/full is a UserError that says the disk is full and how to go on', () => {
    let caught: unknown;
    try {
      new RecordWriter<{ n: number }>('/dev/full').append({ n: 1 });
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toBe('/dev/full: no space left on the device while appending a record');
    expect((caught as { hint: string }).hint).toContain('--resume RUN_DIR');
  });

  it.skipIf(process.getuid?.() !== 0)('a ceval run that fills a 1 MiB tmpfs stops with a UserError; records so far are intact and --resume finishes', async () => {
    expect(mounted, 'mount -t tmpfs failed although running as root').toBe(true);
    const out = join(disk, 'runs');
    mkdirSync(out);
    // Leave about 24 KiB: run.json and a few records (each holds its ~2 KiB five-shot prompt) fit, the 41 do not.
    const free = statfsSync(disk).bavail * statfsSync(disk).bsize;
    writeFileSync(join(disk, 'filler'), Buffer.alloc(free - 24 * 1024));
    let caught: unknown;
    try {
      await runCevalEvaluation(model(), { settings, outDir: out, command: 'test' });
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/: no space left on the device while (appending a record|writing run\.json)$/);
    const runDir = join(out, execFileSync('ls', [out]).toString().trim());
    const before = readJsonl<CevalRecord>(join(runDir, 'records.jsonl'));
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(41);
    for (const record of before) expect(record.status).toBe('ok');
    rmSync(join(disk, 'filler'));
    const resumed = await runCevalEvaluation(model(), { settings, outDir: out, resumeDir: runDir, command: 'test' });
    const after = readJsonl<CevalRecord>(join(runDir, 'records.jsonl'));
    expect(after).toHaveLength(41);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(new Set(after.map((r) => `${r.subject}#${r.row}`)).size).toBe(41);
    expect(resumed.summary.scored).toBe(41);
    expect(readFileSync(join(runDir, 'summary.txt'), 'utf8').length).toBeGreaterThan(0);
  });
});
