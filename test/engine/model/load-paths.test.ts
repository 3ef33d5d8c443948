/**
 * The loader's two ways of placing the matmul weights (engine/gpu/chunk-placer.ts: transposed by the
 * device, or on the host) give the same model bit for bit: identical logits for a prefill and a
 * decode step on the f32 and bf16 fixtures, with the embedding and output head split into several
 * storage bindings so that chunks of every size pass through the shared staging buffer (and, in
 * bf16, some with odd row counts through the host on the device path). The load's profile names the
 * phases each path ran.
 */
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { LoadProfile, type TransposeSite } from '../../../engine/gpu/chunk-placer.js';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { InternLM2Model } from '../../../engine/model/model.js';
import { ropeBase } from '../../../engine/model/rope.js';
import { readGolden } from '../../helpers/golden.js';
import { isUserError } from '../../../engine/errors.js';
import { fixtureDir, removeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';

const models: InternLM2Model[] = [];
const copies: string[] = [];
afterAll(() => {
  for (const model of models) model.dispose();
  for (const dir of copies) removeTempFolder(join(dir, '..'));
});

describe('matmul weights placed by the device or the host', () => {
  it.each(['tiny-fp32', 'tiny-bf16-sharded'] as const)('give bit-identical logits on %s', async (name) => {
    const golden = readGolden(name);
    const checkpoint = await openCheckpoint(fixtureDir(name));
    const context = await sharedDevice();
    const logits = async (transpose: TransposeSite): Promise<{ rows: number[][]; phases: string[] }> => {
      const profile = new LoadProfile();
      // 8 KiB bindings: the 384 × 64 embedding and output head split into several chunks.
      const model = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', transpose, profile, maxBindingBytes: 8192 });
      models.push(model);
      const ids = golden.input_ids.slice(0, 41);
      await model.ensureKvCache(1, ids.length);
      const base = ropeBase(checkpoint.config, ids.length);
      const rows = (from: number, to: number) => ids.slice(from, to).map((token, i) => ({ token, slot: 0, position: from + i, ropeBase: base }));
      // A 40-row prefill, then one decode step.
      const prefill = await model.forward(rows(0, 40), [{ row: 39, target: undefined }], true);
      const decode = await model.forward(rows(40, 41), [{ row: 0, target: undefined }], true);
      return { rows: [prefill, decode].map((result) => Array.from(result.logits?.[0] ?? [])), phases: profile.phases().map((p) => p.phase) };
    };
    const host = await logits('host');
    const device = await logits('device');
    expect(host.rows[0]?.length).toBe(checkpoint.config.vocabSize);
    expect(device.rows).toEqual(host.rows);
    expect(host.phases).toContain('transpose (host)');
    // bf16's w2 rows (176 values, 352 bytes) come 23 to an 8 KiB chunk: odd row counts of 16-bit
    // values go through the host even on the device path, so that load mixes both.
    if (name === 'tiny-fp32') expect(device.phases).not.toContain('transpose (host)');
    for (const phases of [host.phases, device.phases]) expect(phases).toEqual(expect.arrayContaining(['read', 'write', 'weight check', 'kernels']));
  });

  it.each(['host', 'device'] as const)('fail with the file\'s error when it is cut short during the upload (%s transpose), two matrices in flight', async (transpose) => {
    const dir = writableFixtureCopy('tiny-fp32');
    copies.push(dir);
    const checkpoint = await openCheckpoint(dir);
    // Opened and validated whole; then the file loses its last 1,000 bytes (the output head's end).
    const file = join(dir, 'model.safetensors');
    const tensor = checkpoint.tensors.get('output.weight');
    expect(tensor?.file).toBe(file);
    truncateSync(file, (tensor?.byteOffset ?? 0) + (tensor?.byteLength ?? 0) - 1000);
    const context = await sharedDevice();
    const error = await InternLM2Model.load(context, checkpoint, { weightFormat: 'native', transpose }).then(
      (model) => {
        models.push(model);
        return undefined;
      },
      (caught: unknown) => caught,
    );
    expect(isUserError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain(`${file}: file ends after`);
    expect((error as Error).message).toContain('tensor output.weight');
    expect(context.errors.splice(0), 'WebGPU errors').toEqual([]);
  });
});
