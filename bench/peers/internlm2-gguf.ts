/**
 * An InternLM2 safetensors checkpoint as llama.cpp's `internlm2` architecture expects it in GGUF,
 * reproducing what llama.cpp's own converter does (convert_hf_to_gguf.py, class InternLM2Model,
 * github.com/ggml-org/llama.cpp; its metadata from TextModel.set_gguf_parameters, tensor names from
 * gguf-py/gguf/tensor_mapping.py):
 *
 * - `attention.wqkv` holds, per KV group, the group's query heads then one key head then one value
 *   head (rows `(heads + 2·kvHeads)·headDim`); it is split into `attn_q`, `attn_k`, `attn_v`;
 * - query and key rows are permuted per head (LlamaModel.permute): Hugging Face's RoPE rotates the
 *   pairs (i, i + headDim/2) ("rotate_half"), llama.cpp's internlm2 graph rotates adjacent pairs
 *   (2i, 2i + 1) (LLAMA_ROPE_TYPE_NORM), so row s·headDim/2 + i of a head moves to row 2i + s;
 * - 1-D tensors (norm gains) are stored as F32 whatever the weights' type, as the converter does;
 * - ggml lists dimensions fastest first, so a row-major [out, in] matrix is [in, out], same bytes.
 */
import { readFileSync } from 'node:fs';
import type { InternLM2Config } from '../../engine/checkpoint/config.js';
import { float16BitsToFloat32 } from '../../engine/checkpoint/half-precision.js';
import { readTensorBytes, type TensorDtype, type TensorEntry } from '../../engine/checkpoint/safetensors.js';
import { readAddedTokenOverrides } from '../../engine/tokenizer/sentencepiece-convert.js';
import { parseSentencePieceModel, PieceType } from '../../engine/tokenizer/sentencepiece-model.js';
import type { GgmlTensorType, GgufMetadataValue, GgufTensor } from './gguf-writer.js';

/**
 * Rows of one attention projection in llama.cpp's order: row 2i + s of each head is row
 * s·(headDim/2) + i of the Hugging Face head (s ∈ {0, 1}, i < headDim/2). `rowBytes` bytes a row.
 */
export function permuteRopeRows(rows: Uint8Array, heads: number, headDim: number, rowBytes: number): Uint8Array {
  if (headDim % 2 !== 0) throw new Error(`permuteRopeRows: head_dim ${headDim} is odd`);
  if (rows.byteLength !== heads * headDim * rowBytes) throw new Error(`permuteRopeRows: ${rows.byteLength} bytes is not ${heads} heads × ${headDim} rows × ${rowBytes} bytes`);
  const out = new Uint8Array(rows.byteLength);
  const half = headDim / 2;
  for (let h = 0; h < heads; h += 1) {
    for (let i = 0; i < half; i += 1) {
      for (let s = 0; s < 2; s += 1) {
        const from = (h * headDim + s * half + i) * rowBytes;
        const to = (h * headDim + 2 * i + s) * rowBytes;
        out.set(rows.subarray(from, from + rowBytes), to);
      }
    }
  }
  return out;
}

export interface SplitQkv {
  readonly q: Uint8Array;
  readonly k: Uint8Array;
  readonly v: Uint8Array;
}

/**
 * Splits InternLM2's fused wqkv (per KV group g: query heads g·G … g·G+G−1, key head g, value
 * head g; G = heads / kvHeads) into q, k and v in head order, q and k permuted for llama.cpp's RoPE.
 */
export function splitWqkv(wqkv: Uint8Array, config: Pick<InternLM2Config, 'heads' | 'kvHeads' | 'headDim'>, rowBytes: number): SplitQkv {
  const { heads, kvHeads, headDim } = config;
  const perGroup = heads / kvHeads;
  const headBytes = headDim * rowBytes;
  if (wqkv.byteLength !== (heads + 2 * kvHeads) * headBytes) throw new Error(`splitWqkv: ${wqkv.byteLength} bytes do not hold ${heads}+2×${kvHeads} heads of ${headDim} rows`);
  const q = new Uint8Array(heads * headBytes);
  const k = new Uint8Array(kvHeads * headBytes);
  const v = new Uint8Array(kvHeads * headBytes);
  for (let g = 0; g < kvHeads; g += 1) {
    const group = g * (perGroup + 2) * headBytes;
    q.set(wqkv.subarray(group, group + perGroup * headBytes), g * perGroup * headBytes);
    k.set(wqkv.subarray(group + perGroup * headBytes, group + (perGroup + 1) * headBytes), g * headBytes);
    v.set(wqkv.subarray(group + (perGroup + 1) * headBytes, group + (perGroup + 2) * headBytes), g * headBytes);
  }
  return { q: permuteRopeRows(q, heads, headDim, rowBytes), k: permuteRopeRows(k, kvHeads, headDim, rowBytes), v };
}

/** SentencePiece token types as gguf's tokenizer.ggml.token_type stores them (same numbering). */
export interface GgufVocabulary {
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly types: Int32Array;
  readonly addSpacePrefix: boolean;
  readonly unknownId: number;
  readonly bosId: number;
  readonly eosId: number;
}

/**
 * The vocabulary of a SentencePiece tokenizer.model, as llama.cpp's InternLM2 converter builds it
 * (InternLM2Model.set_vocab): pieces, scores and types from the model; a piece that is the single
 * byte 0x00 becomes '🐉' (llama.cpp would read it as an empty C string); pieces named [UNUSED…] are
 * unused; the added tokens of tokenizer_config.json replace their ids with score −1000, control when
 * special. Padded with unused tokens up to `vocabSize` (the embedding's rows).
 */
export function sentencePieceVocabulary(modelFile: string, tokenizerConfigFile: string, vocabSize: number): GgufVocabulary {
  const model = parseSentencePieceModel(readFileSync(modelFile), modelFile);
  if (model.pieces.length > vocabSize) throw new Error(`${modelFile}: ${model.pieces.length} pieces but the model's vocab_size is ${vocabSize}`);
  const tokens: string[] = [];
  const scores = new Float32Array(vocabSize);
  const types = new Int32Array(vocabSize);
  model.pieces.forEach((piece, id) => {
    tokens.push(piece.piece === '\u0000' ? '🐉' : piece.piece);
    scores[id] = piece.score;
    types[id] = piece.piece.startsWith('[UNUSED') ? PieceType.Unused : piece.type;
  });
  for (let id = model.pieces.length; id < vocabSize; id += 1) {
    tokens.push(`[PAD${id}]`);
    scores[id] = -10000;
    types[id] = PieceType.Unused;
  }
  for (const [id, added] of readAddedTokenOverrides(tokenizerConfigFile)) {
    if (id >= vocabSize) continue;
    tokens[id] = added.content;
    scores[id] = -1000;
    types[id] = added.special ? PieceType.Control : PieceType.UserDefined;
  }
  const { trainer } = model;
  return { tokens, scores, types, addSpacePrefix: model.normalizer.addDummyPrefix, unknownId: trainer.unkId, bosId: trainer.bosId, eosId: trainer.eosId };
}

/**
 * A small llama-style vocabulary for shapes whose vocab_size has no real tokenizer: <unk>, <s>,
 * </s>, the 256 byte tokens <0x00>…<0xFF> (llama.cpp's SPM vocabulary looks the newline up among
 * them), then distinct normal pieces up to `vocabSize`. Prompts are fed as ids, so the pieces only
 * have to be well-formed and unique.
 */
export function syntheticVocabulary(vocabSize: number): GgufVocabulary {
  const specials = 3 + 256;
  if (vocabSize < specials + 1) throw new Error(`syntheticVocabulary: vocab_size ${vocabSize} is below the ${specials + 1} tokens a llama-style vocabulary needs`);
  const tokens = ['<unk>', '<s>', '</s>'];
  const scores = new Float32Array(vocabSize);
  const types = new Int32Array(vocabSize);
  types.set([PieceType.Unknown, PieceType.Control, PieceType.Control]);
  for (let b = 0; b < 256; b += 1) {
    types[tokens.length] = PieceType.Byte;
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  }
  for (let id = specials; id < vocabSize; id += 1) {
    tokens.push(`\u2581t${id}`);
    scores[id] = -(id - specials);
    types[id] = PieceType.Normal;
  }
  return { tokens, scores, types, addSpacePrefix: true, unknownId: 0, bosId: 1, eosId: 2 };
}

/** general.file_type (llama_ftype): all F32, or mostly F16. */
const FILE_TYPE: Record<GgmlTensorType, number> = { F32: 0, F16: 1 };

/** The metadata llama.cpp's converter writes for an InternLM2 model (TextModel.set_gguf_parameters, set_vocab). */
export function internlm2Metadata(config: InternLM2Config, weights: GgmlTensorType, vocab: GgufVocabulary, name: string): Map<string, GgufMetadataValue> {
  if (config.ropeScaling) throw new Error('internlm2Metadata: rope_scaling is not written (the peer bench shapes have none)');
  const arch = 'internlm2';
  const u32 = (value: number): GgufMetadataValue => ({ type: 'uint32', value });
  return new Map<string, GgufMetadataValue>([
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: name }],
    ['general.alignment', u32(32)],
    [`${arch}.context_length`, u32(config.maxPositions)],
    [`${arch}.embedding_length`, u32(config.hiddenSize)],
    [`${arch}.feed_forward_length`, u32(config.intermediateSize)],
    [`${arch}.block_count`, u32(config.layers)],
    [`${arch}.attention.head_count`, u32(config.heads)],
    [`${arch}.attention.head_count_kv`, u32(config.kvHeads)],
    [`${arch}.rope.freq_base`, { type: 'float32', value: config.ropeTheta }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'float32', value: config.rmsNormEps }],
    ['general.file_type', u32(FILE_TYPE[weights])],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', values: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'array', itemType: 'float32', values: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', values: vocab.types }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: vocab.addSpacePrefix }],
    ['tokenizer.ggml.bos_token_id', u32(vocab.bosId)],
    ['tokenizer.ggml.eos_token_id', u32(vocab.eosId)],
    ['tokenizer.ggml.unknown_token_id', u32(vocab.unknownId)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ]);
}

const GGML_FOR_DTYPE: Partial<Record<TensorDtype, GgmlTensorType>> = { F32: 'F32', F16: 'F16' };

/** f16 bytes as f32 bytes (exact: every f16 is an f32). */
function float16BytesToFloat32(bytes: Uint8Array): Uint8Array {
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i += 1) out[i] = float16BitsToFloat32(halves[i]!);
  return new Uint8Array(out.buffer);
}

/**
 * The GGUF tensors of a checkpoint, in llama.cpp's names, reading each from the safetensors files
 * when it is written. The checkpoint's matrices must be F32 or F16 (llama.cpp's BF16 needs a
 * converted file of its own; the bench writes F32 or F16).
 */
export function internlm2GgufTensors(config: InternLM2Config, tensors: ReadonlyMap<string, TensorEntry>): { tensors: GgufTensor[]; weights: GgmlTensorType } {
  const entry = (name: string): TensorEntry => {
    const found = tensors.get(name);
    if (!found) throw new Error(`checkpoint has no tensor ${name}`);
    return found;
  };
  const embed = entry('model.tok_embeddings.weight');
  const weights = GGML_FOR_DTYPE[embed.dtype];
  if (!weights) throw new Error(`the peer bench converts F32 or F16 checkpoints, not ${embed.dtype}`);
  const matrix = (ggufName: string, hfName: string): GgufTensor => {
    const e = entry(hfName);
    if (GGML_FOR_DTYPE[e.dtype] !== weights) throw new Error(`${hfName} is ${e.dtype}, the embedding ${embed.dtype}: mixed checkpoints are not converted`);
    return { name: ggufName, type: weights, dims: [e.shape[1]!, e.shape[0]!], data: () => readTensorBytes(e) };
  };
  const norm = (ggufName: string, hfName: string): GgufTensor => {
    const e = entry(hfName);
    return { name: ggufName, type: 'F32', dims: [e.shape[0]!], data: async () => (e.dtype === 'F32' ? readTensorBytes(e) : float16BytesToFloat32(await readTensorBytes(e))) };
  };
  const out: GgufTensor[] = [matrix('token_embd.weight', 'model.tok_embeddings.weight')];
  const rowBytes = config.hiddenSize * (weights === 'F32' ? 4 : 2);
  for (let i = 0; i < config.layers; i += 1) {
    const hf = `model.layers.${i}`;
    // One read of wqkv serves q, k and v: they are written one after another.
    let split: Promise<SplitQkv> | undefined;
    const part = (key: keyof SplitQkv) => async (): Promise<Uint8Array> => {
      split ??= readTensorBytes(entry(`${hf}.attention.wqkv.weight`)).then((bytes) => splitWqkv(bytes, config, rowBytes));
      const parts = await split;
      if (key === 'v') split = undefined;
      return parts[key];
    };
    out.push(
      norm(`blk.${i}.attn_norm.weight`, `${hf}.attention_norm.weight`),
      { name: `blk.${i}.attn_q.weight`, type: weights, dims: [config.hiddenSize, config.heads * config.headDim], data: part('q') },
      { name: `blk.${i}.attn_k.weight`, type: weights, dims: [config.hiddenSize, config.kvHeads * config.headDim], data: part('k') },
      { name: `blk.${i}.attn_v.weight`, type: weights, dims: [config.hiddenSize, config.kvHeads * config.headDim], data: part('v') },
      matrix(`blk.${i}.attn_output.weight`, `${hf}.attention.wo.weight`),
      norm(`blk.${i}.ffn_norm.weight`, `${hf}.ffn_norm.weight`),
      matrix(`blk.${i}.ffn_gate.weight`, `${hf}.feed_forward.w1.weight`),
      matrix(`blk.${i}.ffn_up.weight`, `${hf}.feed_forward.w3.weight`),
      matrix(`blk.${i}.ffn_down.weight`, `${hf}.feed_forward.w2.weight`),
    );
  }
  out.push(norm('output_norm.weight', 'model.norm.weight'), matrix('output.weight', 'output.weight'));
  return { tensors: out, weights };
}
