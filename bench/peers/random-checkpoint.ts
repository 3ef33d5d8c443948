/**
 * A random-weight InternLM2 checkpoint at one of the engine's model shapes, in F32 or F16, written
 * as a release lays it out (config.json, model.safetensors, a tokenizer) so gnomon loads it through
 * its ordinary loader, and converted to GGUF (model.gguf, ./internlm2-gguf.ts) for llama.cpp: both
 * engines read the same values. Written once per (shape, dtype, seed) into the cache and reused.
 *
 * Weights are uniform with standard deviation 1/√fan-in (activations keep their size through the
 * layers); norm gains are 1 ± 0.1, not exactly 1, so a norm the converter dropped or misplaced shows
 * up in the agreement check.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expectedTensorShapes, openCheckpoint } from '../../engine/checkpoint/checkpoint.js';
import type { InternLM2Config } from '../../engine/checkpoint/config.js';
import { float32ToFloat16Bits } from '../../engine/checkpoint/half-precision.js';
import { encodeSafetensorsHeader } from '../../engine/checkpoint/safetensors-writer.js';
import { buildByteLevelTokenizer, ENGLISH_MERGES, SPECIAL_TOKENS } from '../../engine/tokenizer/byte-level-tokenizer.js';
import { writeGgufFile } from './gguf-writer.js';
import { internlm2GgufTensors, internlm2Metadata, sentencePieceVocabulary, syntheticVocabulary, type GgufVocabulary } from './internlm2-gguf.js';

export type PeerDtype = 'f32' | 'f16';

/** Bump when what is written changes, so cached checkpoints are rebuilt. */
const GENERATOR_VERSION = 1;
/** Values per write (16 MiB of f32). */
const CHUNK_VALUES = 4 * 2 ** 20;

export interface PeerCheckpoint {
  readonly dir: string;
  readonly gguf: string;
  readonly config: InternLM2Config;
  readonly dtype: PeerDtype;
  /** Bytes of the safetensors weights and of the GGUF file. */
  readonly safetensorsBytes: number;
  readonly ggufBytes: number;
  /** Where the GGUF vocabulary came from. */
  readonly vocabulary: string;
}

/** Fills `values` uniform in [−bound, bound) + mean with xorshift32 from `state` (deterministic on every platform). */
function fillUniform(values: Float32Array, mean: number, bound: number, state: { x: number }): void {
  let x = state.x;
  for (let i = 0; i < values.length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    values[i] = mean + ((x >>> 0) / 4294967296 - 0.5) * 2 * bound;
  }
  state.x = x;
}

function writeSafetensors(file: string, config: InternLM2Config, dtype: PeerDtype, seed: number): number {
  const bytesPerValue = dtype === 'f32' ? 4 : 2;
  const plans = [...expectedTensorShapes(config)].map(([name, shape]) => ({ name, shape, count: shape.reduce((a, b) => a * b, 1) }));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const plan of plans) {
    header[plan.name] = { dtype: dtype.toUpperCase(), shape: plan.shape, data_offsets: [offset, offset + plan.count * bytesPerValue] };
    offset += plan.count * bytesPerValue;
  }
  const state = { x: (seed * 2654435761) >>> 0 || 1 };
  const chunk = new Float32Array(CHUNK_VALUES);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, encodeSafetensorsHeader(header));
    for (const plan of plans) {
      const isNorm = plan.shape.length === 1;
      const bound = isNorm ? 0.1 : Math.sqrt(3 / plan.shape[1]!);
      for (let done = 0; done < plan.count; done += chunk.length) {
        const values = chunk.subarray(0, Math.min(chunk.length, plan.count - done));
        fillUniform(values, isNorm ? 1 : 0, bound, state);
        const bytes = dtype === 'f32' ? values : float32ToFloat16Bits(values);
        writeSync(fd, new Uint8Array(bytes.buffer, bytes.byteOffset, values.length * bytesPerValue));
      }
    }
  } finally {
    closeSync(fd);
  }
  return offset;
}

function configJson(config: InternLM2Config, dtype: PeerDtype): Record<string, unknown> {
  return {
    architectures: ['InternLM2ForCausalLM'],
    model_type: 'internlm2',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    num_key_value_heads: config.kvHeads,
    hidden_act: 'silu',
    max_position_embeddings: config.maxPositions,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    bias: false,
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 2,
    torch_dtype: dtype === 'f32' ? 'float32' : 'float16',
  };
}

/**
 * The tokenizer gnomon loads with the checkpoint, and the vocabulary the GGUF carries: the real
 * InternLM2 tokenizer.model where the shape has its vocab_size, else the engine's small byte-level
 * tokenizer (gnomon) beside a synthetic llama-style vocabulary of vocab_size tokens (GGUF).
 */
function writeTokenizer(dir: string, config: InternLM2Config, internlm2Tokenizer: string): { vocab: GgufVocabulary; source: string } {
  const modelFile = join(internlm2Tokenizer, 'tokenizer.model');
  if (config.vocabSize === 92544 && existsSync(modelFile)) {
    for (const file of ['tokenizer.model', 'tokenizer_config.json']) copyFileSync(join(internlm2Tokenizer, file), join(dir, file));
    return { vocab: sentencePieceVocabulary(join(dir, 'tokenizer.model'), join(dir, 'tokenizer_config.json'), config.vocabSize), source: `InternLM2 tokenizer.model (${internlm2Tokenizer})` };
  }
  const tokenizer = buildByteLevelTokenizer(ENGLISH_MERGES);
  if (tokenizer.vocabSize > config.vocabSize) throw new Error(`shape vocab_size ${config.vocabSize} is below the byte-level tokenizer's ${tokenizer.vocabSize} tokens`);
  writeFileSync(join(dir, 'tokenizer.json'), tokenizer.tokenizerJson);
  writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify({ bos_token: SPECIAL_TOKENS[1], eos_token: SPECIAL_TOKENS[2], unk_token: SPECIAL_TOKENS[0], add_bos_token: true }, null, 2)}\n`);
  return { vocab: syntheticVocabulary(config.vocabSize), source: `synthetic llama-style vocabulary of ${config.vocabSize} tokens` };
}

/**
 * The checkpoint folder for (shape, dtype, seed) under `root`, written (safetensors, then GGUF from
 * the safetensors) unless a complete one is there. A folder is complete once `done.json` exists: an
 * interrupted write leaves none and is redone.
 */
export async function peerCheckpoint(root: string, shapeName: string, config: InternLM2Config, dtype: PeerDtype, seed: number, internlm2Tokenizer: string, log: (line: string) => void): Promise<PeerCheckpoint> {
  const dir = join(root, `internlm2-${shapeName}-${dtype}-seed${seed}-v${GENERATOR_VERSION}`);
  const gguf = join(dir, 'model.gguf');
  const done = join(dir, 'done.json');
  if (existsSync(done)) {
    const record = JSON.parse(readFileSync(done, 'utf8')) as { vocabulary: string };
    return { dir, gguf, config, dtype, safetensorsBytes: statSync(join(dir, 'model.safetensors')).size, ggufBytes: statSync(gguf).size, vocabulary: record.vocabulary };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let started = performance.now();
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(configJson(config, dtype), null, 2)}\n`);
  const { vocab, source } = writeTokenizer(dir, config, internlm2Tokenizer);
  writeSafetensors(join(dir, 'model.safetensors'), config, dtype, seed);
  log(`wrote ${dir}/model.safetensors in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const checkpoint = await openCheckpoint(dir);
  const { tensors, weights } = internlm2GgufTensors(checkpoint.config, checkpoint.tensors);
  const partial = `${gguf}.partial`;
  await writeGgufFile(partial, internlm2Metadata(checkpoint.config, weights, vocab, `gnomon-peer-${shapeName}-${dtype}`), tensors);
  renameSync(partial, gguf);
  log(`converted to ${gguf} in ${((performance.now() - started) / 1000).toFixed(1)} s (${source})`);
  writeFileSync(done, `${JSON.stringify({ shape: shapeName, dtype, seed, vocabulary: source }, null, 2)}\n`);
  return { dir, gguf, config: checkpoint.config, dtype, safetensorsBytes: statSync(join(dir, 'model.safetensors')).size, ggufBytes: statSync(gguf).size, vocabulary: source };
}
