import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, readConfig } from '../../../engine/checkpoint/config.js';
import { UserError } from '../../../engine/errors.js';
import { fixtureDir, makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';

const FILE = '/models/x/config.json';
const fixtureJson = (): Record<string, unknown> => JSON.parse(readFileSync(join(fixtureDir('tiny-fp32'), 'config.json'), 'utf8')) as Record<string, unknown>;

/** parseConfig's error for a config edited by `edit`: it must be a UserError naming the file and the key. */
function errorFor(edit: (json: Record<string, unknown>) => void): UserError {
  const json = fixtureJson();
  edit(json);
  try {
    parseConfig(json, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected parseConfig to throw');
}

describe('readConfig on the fixtures', () => {
  it('reads tiny-fp32 with the values its config.json holds', async () => {
    const config = await readConfig(fixtureDir('tiny-fp32'));
    expect(config).toEqual({
      hiddenSize: 64, intermediateSize: 176, layers: 2, heads: 4, kvHeads: 2, headDim: 16, vocabSize: 384,
      maxPositions: 2048, ropeTheta: 1e6, ropeScaling: null, rmsNormEps: 1e-5, bosId: 1, eosId: 2, torchDtype: 'float32',
    });
  });

  it('reads dynamic NTK scaling from tiny-ntk and the dtype from tiny-bf16-sharded', async () => {
    const ntk = await readConfig(fixtureDir('tiny-ntk'));
    expect(ntk.ropeScaling).toEqual({ type: 'dynamic', factor: 2 });
    expect(ntk.maxPositions).toBe(128);
    expect((await readConfig(fixtureDir('tiny-bf16-sharded'))).torchDtype).toBe('bfloat16');
  });
});

describe('parseConfig defaults', () => {
  it('uses the reference defaults for omitted optional keys', () => {
    const json = fixtureJson();
    for (const key of ['num_key_value_heads', 'rope_theta', 'rms_norm_eps', 'max_position_embeddings', 'rope_scaling', 'bos_token_id', 'eos_token_id', 'torch_dtype', 'model_type']) delete json[key];
    const config = parseConfig(json, FILE);
    expect(config.kvHeads).toBe(4);
    expect(config.ropeTheta).toBe(10000);
    expect(config.rmsNormEps).toBe(1e-6);
    expect(config.maxPositions).toBe(2048);
    expect(config.ropeScaling).toBeNull();
    expect(config.bosId).toBeUndefined();
    expect(config.torchDtype).toBe('unspecified');
  });

  it('accepts rope_type (newer transformers) and takes the first of a list of eos ids', () => {
    const json = { ...fixtureJson(), rope_scaling: { rope_type: 'linear', factor: 4 }, eos_token_id: [2, 92542] };
    const config = parseConfig(json, FILE);
    expect(config.ropeScaling).toEqual({ type: 'linear', factor: 4 });
    expect(config.eosId).toBe(2);
  });
});

describe('parseConfig rejects bad configs, naming the file and the key', () => {
  const cases: [string, (json: Record<string, unknown>) => void, string, RegExp][] = [
    ['a Llama config', (j) => { j['model_type'] = 'llama'; j['architectures'] = ['LlamaForCausalLM']; }, 'model_type', /"llama".*not an InternLM2 config/],
    ['a Qwen2 architecture without model_type', (j) => { delete j['model_type']; j['architectures'] = ['Qwen2ForCausalLM']; }, 'architectures', /Qwen2ForCausalLM.*not an InternLM2/],
    ['no model_type nor architectures', (j) => { delete j['model_type']; delete j['architectures']; }, 'model_type', /cannot tell/],
    ['missing hidden_size', (j) => { delete j['hidden_size']; }, 'hidden_size', /is missing/],
    ['missing vocab_size', (j) => { delete j['vocab_size']; }, 'vocab_size', /is missing/],
    ['fractional intermediate_size', (j) => { j['intermediate_size'] = 17.5; }, 'intermediate_size', /positive integer, got 17\.5/],
    ['string num_hidden_layers', (j) => { j['num_hidden_layers'] = '2'; }, 'num_hidden_layers', /positive integer, got "2"/],
    ['heads not divisible by kv heads', (j) => { j['num_key_value_heads'] = 3; }, 'num_key_value_heads', /\(3\) does not divide num_attention_heads \(4\)/],
    ['hidden not divisible by heads', (j) => { j['num_attention_heads'] = 6; j['num_key_value_heads'] = 2; }, 'num_attention_heads', /\(6\) does not divide hidden_size \(64\)/],
    ['odd head dimension', (j) => { j['hidden_size'] = 60; }, 'num_attention_heads', /odd head dimension/],
    ['more than 8 query heads per key/value head', (j) => { j['num_attention_heads'] = 16; j['num_key_value_heads'] = 1; }, 'num_key_value_heads', /16 query heads per key\/value head/],
    ['unknown rope_scaling type', (j) => { j['rope_scaling'] = { type: 'yarn', factor: 4 }; }, 'rope_scaling.type', /"yarn"; supported: "dynamic"/],
    ['rope_scaling factor not above 1', (j) => { j['rope_scaling'] = { type: 'dynamic', factor: 1 }; }, 'rope_scaling.factor', /greater than 1, got 1/],
    ['rope_scaling not an object', (j) => { j['rope_scaling'] = 'dynamic'; }, 'rope_scaling', /must be null or an object/],
    ['negative rms_norm_eps', (j) => { j['rms_norm_eps'] = -1; }, 'rms_norm_eps', /positive number/],
    ['another activation', (j) => { j['hidden_act'] = 'gelu'; }, 'hidden_act', /"gelu"/],
    ['biases', (j) => { j['bias'] = true; }, 'bias', /without attention biases/],
    ['tied embeddings', (j) => { j['tie_word_embeddings'] = true; }, 'tie_word_embeddings', /untied output head/],
    ['a bad eos id', (j) => { j['eos_token_id'] = -2; }, 'eos_token_id', /token id/],
  ];
  for (const [what, edit, key, problem] of cases) {
    it(what, () => {
      const error = errorFor(edit);
      expect(error.message).toContain(FILE);
      expect(error.message).toContain(`"${key}"`);
      expect(error.message).toMatch(problem);
      expect(error.hint.length).toBeGreaterThan(10);
    });
  }

  it('a value that is not an object', () => {
    expect(() => parseConfig([1, 2], FILE)).toThrow(UserError);
    expect(() => parseConfig([1, 2], FILE)).toThrow(FILE);
  });
});

describe('readConfig file errors', () => {
  const dir = makeTempFolder();
  afterAll(() => removeTempFolder(dir));

  it('names the missing config.json', async () => {
    await expect(readConfig(dir)).rejects.toThrow(new RegExp(`${join(dir, 'config.json')}: cannot read the model config \\(ENOENT\\)`));
  });

  it('names the file when it is not JSON', async () => {
    writeFileSync(join(dir, 'config.json'), '{"hidden_size": 64,');
    const error = await readConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/config\.json: the model config is not valid JSON/);
  });
});
