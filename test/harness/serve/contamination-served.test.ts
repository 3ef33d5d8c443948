/**
 * Likelihood and option-order probes against a served model through a proxy that fails 30% of the
 * scoring requests, with no retries: failed items become error records (status, attempts, message)
 * counted in the summary — never scores — and `--resume` rescoring them ends with exactly the
 * in-process records.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAMINATION_RECORDS_FILE, contaminationRecordKey, type ContaminationRecord } from '../../../harness/contamination/contamination-records.js';
import { runContamination, type ContaminationPlan } from '../../../harness/contamination/runner.js';
import { openModel } from '../../../harness/model-options.js';
import { readJsonl } from '../../../harness/records.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { summariseContamination } from '../../../reports/contamination/contamination-summary.js';
import { contaminationFixture } from '../../helpers/contamination-fixture.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const model = (): ScriptedModel => new ScriptedModel({ name: 'probe-scripted', tokenLogprob: (context, token) => -1 - ((token * 3 + context.length) % 11) / 5 });
let upstream: RunningServer;
let proxy: FaultProxy;
let failing = true;

beforeAll(async () => {
  upstream = await startServer(model(), { host: '127.0.0.1', port: 0 });
  let n = 0;
  // Every third scoring request fails with a 500 while `failing` is set (the scoring probe, the first, passes).
  proxy = await startFaultProxy({ upstream: upstream.baseUrl.replace(/\/v1$/, ''), plan: (_i, path) => (path === '/v1/completions' && failing && ++n % 3 === 0 ? '500' : 'none') });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

function byKey(records: readonly ContaminationRecord[]): Map<string, ContaminationRecord> {
  return new Map(records.map((r) => [contaminationRecordKey(r), r]));
}

describe('contamination probes against a failing server', () => {
  it('records failures as error records, counts them, and resume completes the in-process result', async () => {
    const { plan: full } = contaminationFixture();
    const plan: ContaminationPlan = { ...full, benchmark: full.benchmark.slice(0, 12), reference: full.reference.slice(0, 12), probes: ['likelihood', 'option_order'], orders: 4 };
    const localDir = mkdtempSync(join(tmpdir(), 'gnomon-probe-local-'));
    await runContamination(plan, localDir, { openModel: async () => model(), log: () => undefined });
    const expected = byKey(readJsonl<ContaminationRecord>(join(localDir, CONTAMINATION_RECORDS_FILE)).map(({ ...r }) => ('ms' in r ? { ...r, ms: 0 } : r)));

    const dir = mkdtempSync(join(tmpdir(), 'gnomon-probe-served-'));
    const served = () => openModel({ apiBase: `${proxy.url}/v1`, concurrency: 2, maxRetries: 0 }, () => undefined);
    (await runContamination(plan, dir, { openModel: served, log: () => undefined }))?.dispose();
    const first = readJsonl<ContaminationRecord>(join(dir, CONTAMINATION_RECORDS_FILE));
    expect(first).toHaveLength(expected.size);
    const errors = first.filter((r) => r.status === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const record of errors) {
      expect(record.error).toMatchObject({ status: 500, attempts: 1 });
      expect(record.probe === 'likelihood' ? record.likelihood : record.probe === 'option_order' ? record.option_order : 'x').toBeNull();
    }
    const summary = summariseContamination(first);
    expect(summary.errors).toBe(errors.length);
    expect(summary.unscoredLikelihood).toBe(0);

    failing = false;
    (await runContamination(plan, dir, { openModel: served, log: () => undefined }))?.dispose();
    const resumed = readJsonl<ContaminationRecord>(join(dir, CONTAMINATION_RECORDS_FILE));
    expect(resumed).toHaveLength(expected.size);
    expect(byKey(resumed.map((r) => ('ms' in r ? { ...r, ms: 0 } : r)))).toEqual(expected);
  });
});
