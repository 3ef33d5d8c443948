/**
 * Writes a small random-weight InternLM2 checkpoint in the exact layout of a release: config.json,
 * safetensors weights with InternLM2's tensor names (single file or sharded), a byte-level BPE
 * tokenizer.json and tokenizer_config.json with InternLM2's chat template. The demo and the tests
 * run the whole pipeline on it on any machine. Deterministic: the same spec writes byte-identical
 * files (seeded generator, arithmetic only: no platform-dependent Math.sin/log in the sampling).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { buildByteLevelTokenizer, ENGLISH_MERGES, SPECIAL_TOKENS } from '../tokenizer/byte-level-tokenizer.js';
import { expectedTensorShapes } from './checkpoint.js';
import { parseConfig, type InternLM2Config, type RopeScaling } from './config.js';
import type { TensorDtype } from './safetensors.js';
import { writeSafetensors, writeShardedSafetensors, type TensorToWrite } from './safetensors-writer.js';

export interface TinyCheckpointSpec {
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  /** Seeds the weights: another seed, another model. */
  readonly seed: number;
  /** Storage dtype of the weights (torch_dtype follows it). */
  readonly dtype: TensorDtype;
  /** 1: model.safetensors; more: model-0000i-of-0000N.safetensors + model.safetensors.index.json. */
  readonly shards: number;
  readonly ropeScaling: RopeScaling | null;
}

/** Bump when the generator's output changes, so caches keyed by tinyCheckpointId are rebuilt. */
export const TINY_CHECKPOINT_GENERATOR_VERSION = 2;

const ROPE_THETA = 1_000_000;
const RMS_NORM_EPS = 1e-5;
// See favourReadableTokens.
// Chosen by running the demo model: at 8 and 1, greedy generations hold no control or partial UTF-8 bytes.
const READABLE_OFFSET = 8;
const READABLE_WEIGHT = 1;

// InternLM2's chat template, as in the fixtures' tokenizer_config.json.
const CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const TORCH_DTYPE: Record<TensorDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** A short id of the spec and generator version: folder names for cached checkpoints. */
export function tinyCheckpointId(spec: TinyCheckpointSpec): string {
  // Fixed key order, whatever order the caller's object literal used.
  const canonical = JSON.stringify([
    TINY_CHECKPOINT_GENERATOR_VERSION, spec.hiddenSize, spec.layers, spec.heads, spec.kvHeads, spec.intermediateSize,
    spec.maxPositions, spec.seed, spec.dtype, spec.shards, spec.ropeScaling && [spec.ropeScaling.type, spec.ropeScaling.factor],
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** The config.json object, with InternLM2's keys in the order the fixtures write them. */
export function tinyConfigJson(spec: TinyCheckpointSpec, vocabSize: number): Record<string, unknown> {
  return {
    architectures: ['InternLM2ForCausalLM'],
    model_type: 'internlm2',
    vocab_size: vocabSize,
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    hidden_act: 'silu',
    max_position_embeddings: spec.maxPositions,
    rms_norm_eps: RMS_NORM_EPS,
    rope_theta: ROPE_THETA,
    rope_scaling: spec.ropeScaling && { type: spec.ropeScaling.type, factor: spec.ropeScaling.factor },
    bias: false,
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 2,
    torch_dtype: TORCH_DTYPE[spec.dtype],
  };
}

/**
 * Approximately normal samples with unit variance: the sum of four uniforms, centred and scaled
 * (Irwin–Hall). Uses + and × only, so every platform produces the same bits.
 */
function normalSampler(seed: number): () => number {
  const uniform = seedrandom(`gnomon-tiny-checkpoint-${seed}`);
  const scale = Math.sqrt(3);
  return () => (uniform() + uniform() + uniform() + uniform() - 2) * scale;
}

/**
 * Random weights at scales like the fixtures': matrices with standard deviation 1.6/sqrt(fan-in)
 * (activations keep their size through a layer), embeddings 0.5, norm gains 1 ± 0.1; then one
 * dimension set aside to favour readable tokens.
 */
function randomWeights(config: InternLM2Config, spec: TinyCheckpointSpec, tokens: readonly string[]): TensorToWrite[] {
  const normal = normalSampler(spec.seed);
  const tensors: TensorToWrite[] = [];
  for (const [name, shape] of expectedTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((product, d) => product * d, 1));
    const isNorm = shape.length === 1;
    const isEmbedding = name === 'model.tok_embeddings.weight';
    const std = isNorm ? 0.1 : isEmbedding ? 0.5 : 1.6 / Math.sqrt(shape[1]!);
    const mean = isNorm ? 1 : 0;
    for (let i = 0; i < data.length; i += 1) data[i] = mean + std * normal();
    tensors.push({ name, dtype: spec.dtype, shape, data });
  }
  favourReadableTokens(tensors, config, tokens);
  return tensors;
}

/** Tokens a reader wants to see: ASCII letters, digits, space, common punctuation, and merges of them. */
export function isReadableToken(token: string): boolean {
  return /^[A-Za-z0-9Ġ.,'!?-]+$/.test(token);
}

/**
 * Random weights generate random bytes, most of them control characters or pieces of UTF-8
 * sequences, which would fill the demo's reports with unprintable text. One residual dimension is
 * made a constant offset (embedding column 0), and the output head reads it with a positive weight
 * for readable tokens and a negative one for the rest: generations then look like text, while
 * everything else about the model stays random.
 */
function favourReadableTokens(tensors: readonly TensorToWrite[], config: InternLM2Config, tokens: readonly string[]): void {
  const embedding = tensors.find((t) => t.name === 'model.tok_embeddings.weight')!;
  const output = tensors.find((t) => t.name === 'output.weight')!;
  const hidden = config.hiddenSize;
  tokens.forEach((token, id) => {
    embedding.data[id * hidden] = READABLE_OFFSET;
    output.data[id * hidden] = isReadableToken(token) ? READABLE_WEIGHT : -READABLE_WEIGHT;
  });
}


export async function writeTinyCheckpoint(dir: string, spec: TinyCheckpointSpec): Promise<void> {
  const tokenizer = buildByteLevelTokenizer(ENGLISH_MERGES);
  const configJson = tinyConfigJson(spec, tokenizer.vocabSize);
  // Validating what we are about to write catches a bad spec (heads not dividing hidden...) with the
  // same messages a user's config would get.
  const config = parseConfig(configJson, join(dir, 'config.json'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(configJson, null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer.json'), tokenizer.tokenizerJson);
  const tokenizerConfig = {
    bos_token: SPECIAL_TOKENS[1],
    eos_token: SPECIAL_TOKENS[2],
    unk_token: SPECIAL_TOKENS[0],
    add_bos_token: true,
    chat_template: CHAT_TEMPLATE,
  };
  await writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
  const tensors = randomWeights(config, spec, tokenizer.tokens);
  if (spec.shards <= 1) writeSafetensors(join(dir, 'model.safetensors'), tensors);
  else writeShardedSafetensors(dir, tensors, spec.shards);
}
