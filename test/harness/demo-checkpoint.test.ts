import { readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../engine/checkpoint/checkpoint.js';
import { DEMO_SPEC, ensureDemoCheckpoint } from '../../harness/demo-checkpoint.js';
import { makeTempFolder, removeTempFolder } from '../helpers/internlm2-fixtures.js';

describe('ensureDemoCheckpoint', () => {
  const cache = makeTempFolder('gnomon-cache-');
  const previous = process.env['GNOMON_CACHE'];
  beforeAll(() => { process.env['GNOMON_CACHE'] = cache; });
  afterAll(() => {
    if (previous === undefined) delete process.env['GNOMON_CACHE']; else process.env['GNOMON_CACHE'] = previous;
    removeTempFolder(cache);
  });

  it('creates the demo model once under $GNOMON_CACHE and reuses it', async () => {
    const dir = await ensureDemoCheckpoint();
    expect(dir).toMatch(new RegExp(`^${cache}/demo-model-[0-9a-f]{12}$`));
    const written = statSync(`${dir}/model.safetensors`).mtimeMs;
    expect(await ensureDemoCheckpoint()).toBe(dir);
    expect(statSync(`${dir}/model.safetensors`).mtimeMs).toBe(written);
    expect(readdirSync(cache)).toEqual([dir.slice(cache.length + 1)]); // no staging folders left
    const checkpoint = await openCheckpoint(dir);
    expect(checkpoint.config).toMatchObject({ hiddenSize: DEMO_SPEC.hiddenSize, layers: DEMO_SPEC.layers, heads: DEMO_SPEC.heads, kvHeads: DEMO_SPEC.kvHeads, maxPositions: 4096 });
  });

  it('two concurrent first uses agree on one folder', async () => {
    const spec = { ...DEMO_SPEC, seed: DEMO_SPEC.seed + 1 };
    const [a, b] = await Promise.all([ensureDemoCheckpoint(spec), ensureDemoCheckpoint(spec)]);
    expect(a).toBe(b);
    await openCheckpoint(a);
    expect(readdirSync(cache).filter((name) => name.includes('partial'))).toEqual([]);
  });
});
