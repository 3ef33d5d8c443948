// Issue 17 item 7: --context-length beyond what RoPE scaling in config.json supports is warned
// about; beyond what the memory plan can hold for one sequence it is refused at load.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import { isUserError } from '../../../engine/errors.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

describe('--context-length against the checkpoint', () => {
  it('refuses a length no memory plan can hold (1e9 positions on a 2,048-position model)', async () => {
    const warnings: string[] = [];
    const attempt = loadModel(fixtureDir('tiny-fp32'), { contextLength: 1_000_000_000, gpuMemory: '8GiB', onWarning: (m) => warnings.push(m) });
    const error = await attempt.then(async (model) => { await model.dispose(); return undefined; }, (e: unknown) => e);
    expect(isUserError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/^--context-length 1000000000: one sequence of that length cannot fit: /);
    expect((error as { hint: string }).hint).toContain('--context-length 2048 or less');
    expect(warnings).toEqual(['--context-length 1000000000 is beyond the 2048 positions config.json supports (max_position_embeddings 2048, no rope_scaling); output past 2048 tokens is unreliable']);
  });

  it('warns past max_position_embeddings without scaling, and loads', async () => {
    const warnings: string[] = [];
    const model = await loadModel(fixtureDir('tiny-fp32'), { contextLength: 4096, onWarning: (m) => warnings.push(m) });
    try {
      expect(model.info.contextLength).toBe(4096);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('--context-length 4096 is beyond the 2048 positions');
    } finally {
      await model.dispose();
    }
  });

  it('stays quiet within what dynamic NTK scaling supports (max_position_embeddings × factor), warns past it', async () => {
    const warnings: string[] = [];
    const within = await loadModel(fixtureDir('tiny-ntk'), { onWarning: (m) => warnings.push(m) });
    const supported = within.info.contextLength;
    await within.dispose();
    const at = await loadModel(fixtureDir('tiny-ntk'), { contextLength: supported, onWarning: (m) => warnings.push(m) });
    await at.dispose();
    expect(warnings).toEqual([]);
    const past = await loadModel(fixtureDir('tiny-ntk'), { contextLength: supported + 1, onWarning: (m) => warnings.push(m) });
    await past.dispose();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rope_scaling factor [\d.]+ \(dynamic\)/);
  });
});
