/**
 * InternLM2Model.decodeGreedy: several decode steps in one submit, the GPU feeding each argmax back
 * as the next token, must give exactly the tokens of one forward call per step with the argmax fed
 * back by the host — for a ragged batch of sequences at different positions, across a 64-key block
 * boundary, and with dynamic NTK changing the RoPE base per step.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { InternLM2Model, type ForwardRow } from '../../../engine/model/model.js';
import { ropeBase } from '../../../engine/model/rope.js';
import { readGolden } from '../../helpers/golden.js';
import { fixtureDir, type FixtureName } from '../../helpers/internlm2-fixtures.js';

const models: InternLM2Model[] = [];
afterAll(() => {
  for (const model of models) model.dispose();
});

describe.each(['tiny-fp32', 'tiny-ntk'] as const)('greedy decode bursts on %s', (name: FixtureName) => {
  it('give the tokens of one forward call per step, for a ragged batch', async () => {
    const golden = readGolden(name);
    const checkpoint = await openCheckpoint(fixtureDir(name));
    const config = checkpoint.config;
    const model = await InternLM2Model.load(await sharedDevice(), checkpoint, { weightFormat: 'native' });
    models.push(model);
    const steps = 12;
    // Three prompts of different lengths (one crosses a 64-key block during the burst; tiny-ntk's
    // 320-token prompt runs past max_position_embeddings, so the RoPE base changes every step).
    const prompts = [golden.input_ids.slice(0, 60), golden.input_ids.slice(0, 9), golden.input_ids];
    const maxLen = Math.max(...prompts.map((p) => p.length)) + steps;
    await model.ensureKvCache(2 * prompts.length, maxLen);
    const baseAt = (length: number): number => ropeBase(config, length);

    // Prefill every prompt twice: slots 0–2 for the host loop, 3–5 for the burst.
    const prefillRows: ForwardRow[] = [];
    const lastRows: number[] = [];
    for (const copy of [0, 1]) {
      prompts.forEach((prompt, i) => {
        prompt.forEach((token, position) => prefillRows.push({ token, slot: copy * prompts.length + i, position, ropeBase: baseAt(prompt.length) }));
        lastRows.push(prefillRows.length - 1);
      });
    }
    const prefill = await model.forward(prefillRows, lastRows.map((row) => ({ row, target: undefined })));
    const first = prefill.picks.map((p) => p.argmax);
    expect(first.slice(0, 3)).toEqual(first.slice(3));

    // Host loop: one forward per step, argmax fed back on the host.
    const hostTokens: number[][] = [];
    let current = first.slice(0, 3);
    for (let step = 0; step < steps; step += 1) {
      const rows = prompts.map((prompt, i) => ({ token: current[i] as number, slot: i, position: prompt.length + step, ropeBase: baseAt(prompt.length + step + 1) }));
      const result = await model.forward(rows, rows.map((_, row) => ({ row, target: undefined })));
      current = result.picks.map((p) => p.argmax);
      hostTokens.push(current);
    }

    const burstRows = prompts.map((prompt, i) => ({ token: first[3 + i] as number, slot: 3 + i, position: prompt.length, ropeBase: baseAt(prompt.length + 1) }));
    const burstTokens = await model.decodeGreedy(burstRows, steps, (i, step) => baseAt((prompts[i]?.length ?? 0) + step + 1));
    expect(burstTokens).toEqual(hostTokens);
    // Not a degenerate sequence: the model really produced varied tokens.
    expect(new Set(hostTokens.flat()).size).toBeGreaterThan(3);
  });
});
