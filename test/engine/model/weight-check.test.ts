// Issue 17 item 1 (load time): NaN/Inf weights are refused when the model loads, naming the tensor
// and where in it, by a GPU reduction over the uploaded buffers (shaders/weight_check.wgsl).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import { isUserError } from '../../../engine/errors.js';
import { removeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';
import { writeTensorValue } from '../../helpers/safetensors-surgery.js';

const copies: string[] = [];
afterAll(() => { for (const dir of copies) removeTempFolder(join(dir, '..')); });

async function loadError(dir: string, weights: 'native' | 'f32' = 'native'): Promise<Error> {
  try {
    const model = await loadModel(dir, { weightFormat: weights });
    await model.dispose();
  } catch (error) {
    expect(isUserError(error), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error('the model loaded');
}

describe('non-finite weights are refused at load', () => {
  it('f32 checkpoint: a NaN in the second half of a stacked matrix (w3 under w1) names w3, its row and column', async () => {
    const dir = writableFixtureCopy('tiny-fp32');
    copies.push(dir);
    // w3 is [176, 64]; element 5·64 + 7 is row 5, column 7.
    writeTensorValue(join(dir, 'model.safetensors'), 'model.layers.1.feed_forward.w3.weight', 5 * 64 + 7, Number.NaN);
    const error = await loadError(dir);
    expect(error.message).toContain(`${join(dir, 'model.safetensors')}: tensor model.layers.1.feed_forward.w3.weight holds 1 non-finite value(s) (NaN or ±Inf), the first at row 5, column 7`);
  });

  it('bf16 shards: +Inf in a norm vector and -Inf in the embedding table are both found; the first in load order is named', async () => {
    const dir = writableFixtureCopy('tiny-bf16-sharded');
    copies.push(dir);
    const shardOf = (JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> }).weight_map;
    const tensorFile = (name: string): string => join(dir, shardOf[name] ?? '');
    writeTensorValue(tensorFile('model.layers.0.attention_norm.weight'), 'model.layers.0.attention_norm.weight', 3, Number.POSITIVE_INFINITY);
    const error = await loadError(dir);
    expect(error.message).toContain('tensor model.layers.0.attention_norm.weight holds 1 non-finite value(s) (NaN or ±Inf), the first at index 3');
    // The embedding table stays bf16 on the GPU (--weights native), two values per word: element 2·64 + 9 is a high half.
    writeTensorValue(tensorFile('model.tok_embeddings.weight'), 'model.tok_embeddings.weight', 2 * 64 + 9, Number.NEGATIVE_INFINITY);
    const both = await loadError(dir);
    expect(both.message).toContain('tensor model.tok_embeddings.weight holds 1 non-finite value(s) (NaN or ±Inf), the first at row 2, column 9; 1 other tensor(s) too, e.g. model.layers.0.attention_norm.weight');
    const converted = await loadError(dir, 'f32');
    expect(converted.message).toContain('the first at row 2, column 9');
  });
});
