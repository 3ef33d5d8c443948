import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGgufFile } from '../../../bench/peers/gguf-writer.js';
import { internlm2GgufTensors, internlm2Metadata, permuteRopeRows, sentencePieceVocabulary, splitWqkv, syntheticVocabulary } from '../../../bench/peers/internlm2-gguf.js';
import { openCheckpoint } from '../../../engine/checkpoint/checkpoint.js';
import { readTensorBytes } from '../../../engine/checkpoint/safetensors.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { INTERNLM2_RELEASE_DIR } from '../../helpers/shared-data.js';
import { readGguf } from './gguf-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'gnomon-internlm2-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of one byte each whose value is the row's index: where every row went is readable. */
const rowIds = (count: number): Uint8Array => Uint8Array.from({ length: count }, (_, i) => i);

describe('splitWqkv', () => {
  it('splits per KV group and permutes q and k rows — worked by hand for 4 heads, 2 KV heads, head_dim 4', () => {
    // wqkv rows: group 0 = q heads 0,1 (rows 0–7), k head 0 (8–11), v head 0 (12–15);
    //            group 1 = q heads 2,3 (16–23), k head 1 (24–27), v head 1 (28–31).
    // Per head of 4 rows [a b c d] (pairs (a,c), (b,d) in Hugging Face's rotate_half order),
    // llama.cpp's adjacent pairs want [a c b d].
    const { q, k, v } = splitWqkv(rowIds(32), { heads: 4, kvHeads: 2, headDim: 4 }, 1);
    expect([...q]).toEqual([0, 2, 1, 3, 4, 6, 5, 7, 16, 18, 17, 19, 20, 22, 21, 23]);
    expect([...k]).toEqual([8, 10, 9, 11, 24, 26, 25, 27]);
    expect([...v]).toEqual([12, 13, 14, 15, 28, 29, 30, 31]);
  });

  it('moves whole rows of several bytes', () => {
    // head_dim 8: row s·4 + i → 2i + s, so [0..7] becomes [0 4 1 5 2 6 3 7]; rows of 2 bytes.
    const rows = Uint8Array.from({ length: 16 }, (_, i) => i);
    const permuted = permuteRopeRows(rows, 1, 8, 2);
    expect([...permuted]).toEqual([0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15]);
  });

  it('turns Hugging Face rotate_half RoPE into llama.cpp adjacent-pair RoPE on the same scores', () => {
    // q · k after RoPE at positions 5 and 2 must be the same whichever layout computes it.
    const headDim = 8;
    const half = headDim / 2;
    const theta = (i: number): number => 1e6 ** (-(2 * i) / headDim);
    const ropeHalf = (x: Float32Array, pos: number): number[] => {
      const out = [...x];
      for (let i = 0; i < half; i += 1) {
        const [c, s] = [Math.cos(pos * theta(i)), Math.sin(pos * theta(i))];
        out[i] = x[i]! * c - x[i + half]! * s;
        out[i + half] = x[i + half]! * c + x[i]! * s;
      }
      return out;
    };
    const ropeAdjacent = (x: Float32Array, pos: number): number[] => {
      const out = [...x];
      for (let i = 0; i < half; i += 1) {
        const [c, s] = [Math.cos(pos * theta(i)), Math.sin(pos * theta(i))];
        out[2 * i] = x[2 * i]! * c - x[2 * i + 1]! * s;
        out[2 * i + 1] = x[2 * i + 1]! * c + x[2 * i]! * s;
      }
      return out;
    };
    const dot = (a: number[], b: number[]): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
    // One f32 per "row": the projection's output vector for one head.
    const q = Float32Array.from([0.3, -1.2, 0.7, 2.0, -0.4, 0.9, 1.1, -0.6]);
    const k = Float32Array.from([1.0, 0.2, -0.8, 0.5, 0.3, -1.4, 0.6, 0.9]);
    const permute = (x: Float32Array): Float32Array => new Float32Array(permuteRopeRows(new Uint8Array(x.buffer), 1, headDim, 4).buffer);
    const reference = dot(ropeHalf(q, 5), ropeHalf(k, 2));
    expect(dot(ropeAdjacent(permute(q), 5), ropeAdjacent(permute(k), 2))).toBeCloseTo(reference, 5);
    // Unpermuted rows under llama.cpp's RoPE give another score: the permutation is needed.
    expect(Math.abs(dot(ropeAdjacent(q, 5), ropeAdjacent(k, 2)) - reference)).toBeGreaterThan(0.1);
  });

  it('refuses sizes that do not fit the heads', () => {
    expect(() => splitWqkv(rowIds(30), { heads: 4, kvHeads: 2, headDim: 4 }, 1)).toThrow(/do not hold/);
    expect(() => permuteRopeRows(rowIds(6), 2, 3, 1)).toThrow(/odd/);
  });
});

describe('vocabularies', () => {
  it('synthetic: <unk> <s> </s>, 256 byte tokens, then unique normal pieces', () => {
    const vocab = syntheticVocabulary(300);
    expect(vocab.tokens.length).toBe(300);
    expect(vocab.tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(vocab.tokens[3 + 10]).toBe('<0x0A>');
    expect([...vocab.types.slice(0, 4)]).toEqual([2, 3, 3, 6]);
    expect(vocab.types[299]).toBe(1);
    expect(new Set(vocab.tokens).size).toBe(300);
    expect(() => syntheticVocabulary(200)).toThrow(/below/);
  });

  it('InternLM2 tokenizer.model: 92,544 pieces with the added tokens of tokenizer_config.json as control tokens', () => {
    const vocab = sentencePieceVocabulary(join(INTERNLM2_RELEASE_DIR, 'tokenizer.model'), join(INTERNLM2_RELEASE_DIR, 'tokenizer_config.json'), 92544);
    expect(vocab.tokens.length).toBe(92544);
    expect(vocab.tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect([vocab.unknownId, vocab.bosId, vocab.eosId]).toEqual([0, 1, 2]);
    const imEnd = vocab.tokens.indexOf('<|im_end|>');
    expect(imEnd).toBeGreaterThan(90000);
    expect(vocab.types[imEnd]).toBe(3);
    expect(vocab.scores[imEnd]).toBe(-1000);
    expect(vocab.tokens.includes('\u0000')).toBe(false);
  });
});

describe('InternLM2 checkpoint → GGUF', () => {
  it('writes llama.cpp tensor names and shapes, q/k/v split from wqkv, norms as F32, the metadata of the converter', async () => {
    const checkpoint = await openCheckpoint(fixtureDir('tiny-fp32'));
    const config = checkpoint.config;
    const { tensors, weights } = internlm2GgufTensors(config, checkpoint.tensors);
    expect(weights).toBe('F32');
    const vocab = syntheticVocabulary(config.vocabSize);
    const file = join(dir, 'tiny.gguf');
    await writeGgufFile(file, internlm2Metadata(config, weights, vocab, 'tiny'), tensors);
    const gguf = readGguf(readFileSync(file));
    const names = gguf.tensors.map((t) => t.name);
    expect(names.slice(0, 10)).toEqual([
      'token_embd.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_q.weight', 'blk.0.attn_k.weight', 'blk.0.attn_v.weight',
      'blk.0.attn_output.weight', 'blk.0.ffn_norm.weight', 'blk.0.ffn_gate.weight', 'blk.0.ffn_up.weight', 'blk.0.ffn_down.weight',
    ]);
    expect(names.slice(-2)).toEqual(['output_norm.weight', 'output.weight']);
    expect(names.length).toBe(3 + 9 * config.layers);
    const info = (name: string) => gguf.tensors.find((t) => t.name === name)!;
    // ggml order: [in, out].
    expect(info('token_embd.weight').dims).toEqual([config.hiddenSize, config.vocabSize]);
    expect(info('blk.1.attn_q.weight').dims).toEqual([config.hiddenSize, config.heads * config.headDim]);
    expect(info('blk.1.attn_k.weight').dims).toEqual([config.hiddenSize, config.kvHeads * config.headDim]);
    expect(info('blk.1.ffn_down.weight').dims).toEqual([config.intermediateSize, config.hiddenSize]);
    expect(info('output_norm.weight')).toMatchObject({ dims: [config.hiddenSize], type: 0 });
    for (const t of gguf.tensors) expect(t.offset % 32).toBe(0);

    // The data: q, k, v are splitWqkv of the layer's wqkv; w1 → ffn_gate, w3 → ffn_up, w2 → ffn_down.
    const rowBytes = config.hiddenSize * 4;
    const wqkv = await readTensorBytes(checkpoint.tensors.get('model.layers.1.attention.wqkv.weight')!);
    const split = splitWqkv(wqkv, config, rowBytes);
    expect(gguf.tensorBytes('blk.1.attn_q.weight', split.q.byteLength).equals(split.q)).toBe(true);
    expect(gguf.tensorBytes('blk.1.attn_k.weight', split.k.byteLength).equals(split.k)).toBe(true);
    expect(gguf.tensorBytes('blk.1.attn_v.weight', split.v.byteLength).equals(split.v)).toBe(true);
    for (const [gg, hf] of [['ffn_gate', 'w1'], ['ffn_up', 'w3'], ['ffn_down', 'w2']] as const) {
      const bytes = await readTensorBytes(checkpoint.tensors.get(`model.layers.0.feed_forward.${hf}.weight`)!);
      expect(gguf.tensorBytes(`blk.0.${gg}.weight`, bytes.byteLength).equals(bytes)).toBe(true);
    }
    const norm = await readTensorBytes(checkpoint.tensors.get('model.layers.0.ffn_norm.weight')!);
    expect(gguf.tensorBytes('blk.0.ffn_norm.weight', norm.byteLength).equals(norm)).toBe(true);

    const meta = (key: string) => gguf.metadata.get(key)?.value;
    expect(meta('general.architecture')).toBe('internlm2');
    expect(meta('internlm2.block_count')).toBe(config.layers);
    expect(meta('internlm2.attention.head_count')).toBe(config.heads);
    expect(meta('internlm2.attention.head_count_kv')).toBe(config.kvHeads);
    expect(meta('internlm2.rope.freq_base')).toBe(Math.fround(config.ropeTheta));
    expect(meta('internlm2.attention.layer_norm_rms_epsilon')).toBe(Math.fround(config.rmsNormEps));
    expect(meta('general.file_type')).toBe(0);
    expect(meta('tokenizer.ggml.model')).toBe('llama');
    expect((meta('tokenizer.ggml.tokens') as string[]).length).toBe(config.vocabSize);
  });

  it('refuses a bf16 checkpoint (llama.cpp gets F32 or F16 from the bench)', async () => {
    const checkpoint = await openCheckpoint(fixtureDir('tiny-bf16-sharded'));
    expect(() => internlm2GgufTensors(checkpoint.config, checkpoint.tensors)).toThrow(/converts F32 or F16 checkpoints, not BF16/);
  });
});
