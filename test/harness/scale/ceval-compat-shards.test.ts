/**
 * C-Eval shards under `--compat opencompass-0.2.4 --mode gen` (OpenCompass's shot dropping, the
 * first-capital extractor, per-subject versions in run.json): 3 shards merged equal one process —
 * records, run.json's derived fields and summaries. In process on a scripted model, so it checks that
 * a shard passes the same compat settings to the runner as runCevalEvaluation does.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCevalEvaluation, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import { runCevalShard } from '../../../harness/scale/ceval-shard.js';
import { mergeShards } from '../../../harness/scale/merge-shards.js';
import { writeCevalReport } from '../../../reports/ceval/write-report.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const settings: CevalSettings = {
  preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'logic'], limit: 4, chat: 'off', mode: 'gen',
  maxOutLen: 8, batchSize: 3, compat: 'opencompass-0.2.4', maxSeqLen: 1500,
};
// Answers depend on the prompt, so a question routed to the wrong shard or prompt would show.
const model = () => new ScriptedModel({ contextLength: 4096, reply: (prompt) => ` ${'ABCD'[prompt.length % 4] ?? 'A'} because` });

describe('C-Eval shards with --compat opencompass-0.2.4', () => {
  it('3 shards merged equal one process', async () => {
    const single = await runCevalEvaluation(model(), { settings, outDir: mkdtempSync(join(tmpdir(), 'gnomon-compat-single-')), command: 'ceval (test)' });
    const runDir = mkdtempSync(join(tmpdir(), 'gnomon-compat-shards-'));
    for (const index of [1, 2, 0]) await runCevalShard(model(), settings, { command: 'ceval', shard: { index, count: 3 }, runDir }, 'ceval (test)', () => undefined);
    mergeShards(runDir);
    writeCevalReport(runDir);
    const records = (dir: string) => readFileSync(join(dir, 'records.jsonl'), 'utf8').split('\n').filter((l) => l !== '')
      .map((line) => JSON.parse(line, (key, value: unknown) => (key === 'ms' ? undefined : value)) as Record<string, unknown>);
    const merged = records(runDir);
    expect(merged).toHaveLength(8);
    expect(merged.every((r) => r.compat === 'opencompass-0.2.4')).toBe(true);
    // The byte-level tokenizer makes five shots longer than 1500 tokens: OpenCompass's dropping ran.
    expect(merged.some((r) => typeof r.shots === 'number' && r.shots < 5)).toBe(true);
    expect(merged).toEqual(records(single.runDir));
    const info = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'), (key, value: unknown) => (key === 'started' ? undefined : value)) as unknown;
    expect(info(runDir)).toEqual(info(single.runDir));
    for (const file of ['summary.txt', 'summary.md', 'summary.csv']) expect(readFileSync(join(runDir, file), 'utf8'), file).toBe(readFileSync(join(single.runDir, file), 'utf8'));
  });
});
