/**
 * Contamination in shards: the same plan (n-gram overlap against a corpus, likelihood and
 * option-order probes over a benchmark and a reference set) run as 3 shards into one run folder, then
 * merged, equals the single-process run record for record (apart from timings) and gives the same
 * summary. Runs in process on the scripted memorising model: this checks the contamination runner's
 * shard hook and work order, which the engine tests in local-shards.test.ts do not reach.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeText } from '../../../harness/contamination/items.js';
import { runContamination } from '../../../harness/contamination/runner.js';
import { mergeShards } from '../../../harness/scale/merge-shards.js';
import { shardWork } from '../../../harness/scale/sharded-run.js';
import { writeContaminationReport } from '../../../reports/contamination/write-contamination-report.js';
import { contaminationFixture } from '../../helpers/contamination-fixture.js';
import { ngramMemorisingModel } from '../../helpers/ngram-memorising-model.js';

describe('contamination in shards', () => {
  it('3 shards merged equal one process: records in the same order, the same summary', async () => {
    const { dir, plan } = contaminationFixture();
    const model = ngramMemorisingModel(plan.benchmark.map(probeText));
    const callbacks = { openModel: async () => model, log: () => undefined };
    const single = join(dir, 'single');
    mkdirSync(single);
    await runContamination(plan, single, callbacks);
    const sharded = join(dir, 'sharded');
    mkdirSync(sharded);
    for (const index of [2, 0, 1]) await runContamination(plan, sharded, callbacks, shardWork({ command: 'contamination', shard: { index, count: 3 }, runDir: sharded }));
    const shardSizes = [0, 1, 2].map((index) => readFileSync(join(sharded, `records.shard-${index}-of-3.jsonl`), 'utf8').split('\n').filter((line) => line !== '').length);
    expect(shardSizes.reduce((sum, n) => sum + n, 0)).toBe(150);
    for (const size of shardSizes) expect(size).toBeGreaterThan(0);

    mergeShards(sharded);
    const withoutTimings = (runDir: string) => readFileSync(join(runDir, 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '')
      .map((line) => JSON.parse(line, (key, value: unknown) => (key === 'ms' ? undefined : value)) as unknown);
    expect(withoutTimings(sharded)).toEqual(withoutTimings(single));
    const subtitle = ['contamination shards test'];
    writeContaminationReport(single, subtitle, undefined);
    writeContaminationReport(sharded, subtitle, undefined);
    for (const file of ['summary.md', 'items.csv']) expect(readFileSync(join(sharded, file), 'utf8'), file).toBe(readFileSync(join(single, file), 'utf8'));
  });
});
