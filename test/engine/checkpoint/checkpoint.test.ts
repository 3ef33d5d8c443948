import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedTensorShapes, openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { readConfig } from '../../../engine/checkpoint/config.js';
import { UserError } from '../../../engine/errors.js';
import { fixtureDir, makeTempFolder, removeTempFolder, writableFixtureCopy, type FixtureName } from '../../helpers/internlm2-fixtures.js';
import { editHeader } from '../../helpers/safetensors-surgery.js';

describe('expectedTensorShapes', () => {
  it('lists InternLM2 tensor names with grouped-query wqkv shapes', async () => {
    const config = await readConfig(fixtureDir('tiny-fp32'));
    const shapes = expectedTensorShapes(config);
    expect(shapes.size).toBe(3 + 7 * config.layers);
    // (4 query heads + 2 key heads + 2 value heads) × head dim 16.
    expect(shapes.get('model.layers.1.attention.wqkv.weight')).toEqual([128, 64]);
    expect(shapes.get('model.layers.0.feed_forward.w2.weight')).toEqual([64, 176]);
    expect(shapes.get('model.tok_embeddings.weight')).toEqual([384, 64]);
    expect(shapes.get('output.weight')).toEqual([384, 64]);
  });
});

describe('openCheckpoint on the fixtures', () => {
  const fixtures: FixtureName[] = ['tiny-fp32', 'tiny-bf16-sharded', 'tiny-ntk'];
  for (const name of fixtures) {
    it(`opens ${name} with every expected tensor at its expected shape`, async () => {
      const checkpoint = await openCheckpoint(fixtureDir(name));
      expect(checkpoint.dir).toBe(fixtureDir(name));
      for (const [tensor, shape] of expectedTensorShapes(checkpoint.config)) {
        expect(checkpoint.tensors.get(tensor)?.shape).toEqual(shape);
      }
      expect(checkpoint.hash).toMatch(/^[0-9a-f]{16}$/);
    });
  }

  it('resolves the sharded index: each tensor comes from the shard the index names', async () => {
    const dir = fixtureDir('tiny-bf16-sharded');
    const checkpoint = await openCheckpoint(dir);
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    for (const [tensor, shard] of Object.entries(index.weight_map)) {
      const entry = checkpoint.tensors.get(tensor);
      expect(entry?.file).toBe(join(dir, shard));
      expect(entry?.dtype).toBe('BF16');
    }
    expect(checkpoint.tensors.size).toBe(Object.keys(index.weight_map).length);
  });

  it('gives different hashes to different checkpoints and the same hash to a copy', async () => {
    const hashes = await Promise.all(fixtures.map(async (name) => (await openCheckpoint(fixtureDir(name))).hash));
    expect(new Set(hashes).size).toBe(3);
    const copy = writableFixtureCopy('tiny-fp32');
    try {
      expect((await openCheckpoint(copy)).hash).toBe(hashes[0]);
      const config = JSON.parse(readFileSync(join(copy, 'config.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(copy, 'config.json'), JSON.stringify({ ...config, rms_norm_eps: 1e-6 }));
      expect((await openCheckpoint(copy)).hash).not.toBe(hashes[0]);
    } finally {
      removeTempFolder(join(copy, '..'));
    }
  });
});

describe('openCheckpoint rejects broken checkpoints, naming the file and tensor or key', () => {
  const copies: string[] = [];
  afterAll(() => copies.forEach((dir) => removeTempFolder(join(dir, '..'))));
  function copyOf(name: FixtureName): string {
    const dir = writableFixtureCopy(name);
    copies.push(dir);
    return dir;
  }
  async function failure(dir: string): Promise<UserError> {
    const error = await openCheckpoint(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  function editConfig(dir: string, edit: (json: Record<string, unknown>) => void): void {
    const file = join(dir, 'config.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }

  it('a folder that does not exist', async () => {
    const error = await failure('/nonexistent/model');
    expect(error.message).toBe('/nonexistent/model: no such checkpoint folder');
  });

  it('a file instead of a folder', async () => {
    const error = await failure(join(fixtureDir('tiny-fp32'), 'config.json'));
    expect(error.message).toMatch(/config\.json: is a file, not a checkpoint folder/);
  });

  it('a tensor missing from a single-file checkpoint', async () => {
    const dir = copyOf('tiny-fp32');
    editHeader(join(dir, 'model.safetensors'), (h) => { delete h['model.layers.1.ffn_norm.weight']; });
    const error = await failure(dir);
    expect(error.message).toBe(`${join(dir, 'model.safetensors')}: tensor model.layers.1.ffn_norm.weight is missing`);
    expect(error.hint).toMatch(/num_hidden_layers = 2/);
  });

  it('a tensor missing from the shard the index names', async () => {
    const dir = copyOf('tiny-bf16-sharded');
    editHeader(join(dir, 'model-00002-of-00002.safetensors'), (h) => { delete h['model.tok_embeddings.weight']; });
    const error = await failure(dir);
    expect(error.message).toBe(`${join(dir, 'model-00002-of-00002.safetensors')}: tensor model.tok_embeddings.weight is missing (model.safetensors.index.json says it is in model-00002-of-00002.safetensors)`);
  });

  it('a tensor in neither the index nor any shard', async () => {
    const dir = copyOf('tiny-bf16-sharded');
    const indexFile = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { weight_map: Record<string, string> };
    delete index.weight_map['output.weight'];
    writeFileSync(indexFile, JSON.stringify(index));
    editHeader(join(dir, 'model-00001-of-00002.safetensors'), (h) => { delete h['output.weight']; });
    const error = await failure(dir);
    expect(error.message).toBe(`${indexFile}: tensor output.weight is missing (not in weight_map, nor in any shard)`);
  });

  it('the index names a shard that is not there', async () => {
    const dir = copyOf('tiny-bf16-sharded');
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    const error = await failure(dir);
    expect(error.message).toBe(`${join(dir, 'model.safetensors.index.json')}: lists shard model-00002-of-00002.safetensors (8 tensors), but ${join(dir, 'model-00002-of-00002.safetensors')} does not exist`);
  });

  it('an index without weight_map, or one pointing outside the folder', async () => {
    const dir = copyOf('tiny-bf16-sharded');
    const indexFile = join(dir, 'model.safetensors.index.json');
    writeFileSync(indexFile, JSON.stringify({ metadata: {} }));
    expect((await failure(dir)).message).toBe(`${indexFile}: key "weight_map" is missing or not an object`);
    writeFileSync(indexFile, JSON.stringify({ weight_map: { 'output.weight': '../elsewhere.safetensors' } }));
    expect((await failure(dir)).message).toMatch(/weight_map\["output\.weight"\] is "\.\.\/elsewhere\.safetensors", not a shard file name inside the folder/);
  });

  it('a wrong shape: got vs expected and the config keys to check', async () => {
    const dir = copyOf('tiny-fp32');
    editConfig(dir, (json) => { json['num_key_value_heads'] = 1; });
    const error = await failure(dir);
    expect(error.message).toBe(`${join(dir, 'model.safetensors')}: tensor model.layers.0.attention.wqkv.weight has shape [128, 64], expected [96, 64]`);
    expect(error.hint).toContain(`${join(dir, 'config.json')} num_attention_heads, num_key_value_heads and hidden_size`);
  });

  it('a wrong feed-forward width names intermediate_size', async () => {
    const dir = copyOf('tiny-ntk');
    editConfig(dir, (json) => { json['intermediate_size'] = 192; });
    const error = await failure(dir);
    expect(error.message).toMatch(/tensor model\.layers\.0\.feed_forward\.w1\.weight has shape \[176, 64\], expected \[192, 64\]/);
    expect(error.hint).toContain('intermediate_size');
  });

  it('weights with more layers than the config says', async () => {
    const dir = copyOf('tiny-fp32');
    editConfig(dir, (json) => { json['num_hidden_layers'] = 1; });
    const error = await failure(dir);
    expect(error.message).toMatch(/tensor model\.layers\.1\.\S+ belongs to layer 1, but .*config\.json says num_hidden_layers = 1/);
  });

  it('a config of another architecture', async () => {
    const dir = copyOf('tiny-fp32');
    editConfig(dir, (json) => { json['model_type'] = 'qwen2'; json['architectures'] = ['Qwen2ForCausalLM']; });
    const error = await failure(dir);
    expect(error.message).toBe(`${join(dir, 'config.json')}: key "model_type" is "qwen2": this is not an InternLM2 config`);
  });

  it('no weights at all, and PyTorch-only weights', async () => {
    const dir = copyOf('tiny-fp32');
    rmSync(join(dir, 'model.safetensors'));
    const error = await failure(dir);
    expect(error.message).toBe(`${dir}: no weights found (expected model.safetensors or model.safetensors.index.json)`);
    writeFileSync(join(dir, 'pytorch_model.bin'), 'not read');
    const binError = await failure(dir);
    expect(binError.message).toMatch(/found pytorch_model\.bin, which gnomon cannot read/);
    expect(binError.hint).toMatch(/convert the weights to safetensors/);
  });

  it('a truncated shard surfaces the safetensors error with the shard and tensor', async () => {
    const dir = copyOf('tiny-fp32');
    const file = join(dir, 'model.safetensors');
    writeFileSync(file, readFileSync(file).subarray(0, 300_000));
    const error = await failure(dir);
    expect(error.message).toMatch(new RegExp(`^${file}: tensor \\S+ ends at byte \\d+, past the end of the file`));
  });

  it('a tensor stored in two shards', async () => {
    const dir = copyOf('tiny-bf16-sharded');
    const shard1 = join(dir, 'model-00001-of-00002.safetensors');
    const shard2 = join(dir, 'model-00002-of-00002.safetensors');
    // Rename shard 2's embedding to a tensor shard 1 already holds (same shape: output.weight).
    editHeader(shard2, (h) => { h['output.weight'] = h['model.tok_embeddings.weight']!; delete h['model.tok_embeddings.weight']; });
    const error = await failure(dir);
    expect(error.message).toBe(`${shard2}: tensor output.weight is also in ${shard1}`);
  });
});
