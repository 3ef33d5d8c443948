import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { decodeToFloat32, readTensorBytes } from '../../../engine/checkpoint/safetensors.js';
import { buildByteLevelTokenizer, ENGLISH_MERGES } from '../../../engine/tokenizer/byte-level-tokenizer.js';
import { isReadableToken, tinyCheckpointId, writeTinyCheckpoint, type TinyCheckpointSpec } from '../../../engine/checkpoint/tiny-checkpoint.js';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { fixtureDir, makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';

const SPEC: TinyCheckpointSpec = {
  hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 48, maxPositions: 256, seed: 7, dtype: 'F32', shards: 1, ropeScaling: null,
};

function filesOf(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

describe('writeTinyCheckpoint', () => {
  const root = makeTempFolder();
  afterAll(() => removeTempFolder(root));

  it('is deterministic: the same spec writes byte-identical files', async () => {
    await writeTinyCheckpoint(join(root, 'a'), SPEC);
    await writeTinyCheckpoint(join(root, 'b'), { ...SPEC });
    const a = filesOf(join(root, 'a'));
    expect([...a.keys()]).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(filesOf(join(root, 'b'))).toEqual(a);
    expect(tinyCheckpointId(SPEC)).toBe(tinyCheckpointId({ ...SPEC }));
  });

  it('another seed gives other weights (and another id), the same config', async () => {
    await writeTinyCheckpoint(join(root, 'seed8'), { ...SPEC, seed: 8 });
    const a = filesOf(join(root, 'a'));
    const b = filesOf(join(root, 'seed8'));
    expect(b.get('config.json')).toEqual(a.get('config.json'));
    expect(b.get('model.safetensors')!.equals(a.get('model.safetensors')!)).toBe(false);
    expect(tinyCheckpointId({ ...SPEC, seed: 8 })).not.toBe(tinyCheckpointId(SPEC));
  });

  it('writes config.json with exactly the fixtures\' InternLM2 keys', async () => {
    const ours = JSON.parse(readFileSync(join(root, 'a', 'config.json'), 'utf8')) as Record<string, unknown>;
    const fixture = JSON.parse(readFileSync(join(fixtureDir('tiny-fp32'), 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(ours)).toEqual(Object.keys(fixture));
    expect(ours).toMatchObject({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 48, max_position_embeddings: 256, torch_dtype: 'float32' });
    const tokenizerConfig = JSON.parse(readFileSync(join(root, 'a', 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(tokenizerConfig).toEqual(JSON.parse(readFileSync(join(fixtureDir('tiny-fp32'), 'tokenizer_config.json'), 'utf8')));
  });

  it('is accepted by openCheckpoint, with weights at the intended scales', async () => {
    const checkpoint = await openCheckpoint(join(root, 'a'));
    expect(checkpoint.config).toMatchObject({ hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 48, vocabSize: 277, ropeScaling: null });
    const stats = async (name: string): Promise<{ mean: number; std: number }> => {
      const values = decodeToFloat32('F32', await readTensorBytes(checkpoint.tensors.get(name)!));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
    };
    const norm = await stats('model.layers.0.ffn_norm.weight');
    expect(norm.mean).toBeCloseTo(1, 1);
    const w2 = await stats('model.layers.1.feed_forward.w2.weight');
    expect(w2.std).toBeGreaterThan(0.8 * 1.6 / Math.sqrt(48));
    expect(w2.std).toBeLessThan(1.2 * 1.6 / Math.sqrt(48));
  });

  it('sets one residual dimension aside so the output head favours readable tokens', async () => {
    const checkpoint = await openCheckpoint(join(root, 'a'));
    const hidden = checkpoint.config.hiddenSize;
    const embedding = decodeToFloat32('F32', await readTensorBytes(checkpoint.tensors.get('model.tok_embeddings.weight')!));
    const output = decodeToFloat32('F32', await readTensorBytes(checkpoint.tensors.get('output.weight')!));
    const { tokens } = buildByteLevelTokenizer(ENGLISH_MERGES);
    expect(tokens).toHaveLength(checkpoint.config.vocabSize);
    tokens.forEach((token, id) => {
      expect(embedding[id * hidden]).toBe(8);
      expect(output[id * hidden]).toBe(isReadableToken(token) ? 1 : -1);
    });
    expect(['a', 'Z', '7', 'Ġ', 'Ġthe', '.'].every(isReadableToken)).toBe(true);
    expect(['Ċ', 'Ā', 'ä', '<s>', '<|im_end|>'].some(isReadableToken)).toBe(false);
  });

  it('writes bf16 shards with an index and NTK scaling that openCheckpoint accepts', async () => {
    const dir = join(root, 'bf16');
    await writeTinyCheckpoint(dir, { ...SPEC, dtype: 'BF16', shards: 3, ropeScaling: { type: 'dynamic', factor: 2 } });
    expect(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()).toEqual([
      'model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors',
    ]);
    const checkpoint = await openCheckpoint(dir);
    expect(checkpoint.config.ropeScaling).toEqual({ type: 'dynamic', factor: 2 });
    expect(checkpoint.config.torchDtype).toBe('bfloat16');
    expect([...checkpoint.tensors.values()].every((t) => t.dtype === 'BF16')).toBe(true);
  });

  it('ships a tokenizer the engine loads, with the vocabulary the embedding has', async () => {
    const dir = join(root, 'a');
    const checkpoint = await openCheckpoint(dir);
    const tokenizer = await loadTokenizer(dir, { vocabSize: checkpoint.config.vocabSize });
    expect(tokenizer.vocabSize).toBe(checkpoint.config.vocabSize);
    expect(tokenizer.bosId).toBe(1);
    expect(tokenizer.addBos).toBe(true);
    expect(tokenizer.stopTokenIds).toEqual(expect.arrayContaining([2, 4]));
    const text = 'Needle: the secret is 42. 秘密 🧭';
    expect(await tokenizer.decode(await tokenizer.encode(text))).toBe(text);
    expect(tokenizer.renderChat([{ role: 'user', content: 'hi' }], true)).toBe('<s><|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('refuses a spec whose shapes do not divide, with the config error', async () => {
    await expect(writeTinyCheckpoint(join(root, 'bad'), { ...SPEC, kvHeads: 3 })).rejects.toThrow(/num_key_value_heads.*does not divide/);
  });
});
