/**
 * InternLM2's config.json, validated. Every problem names the file and the key, because a config from
 * another architecture or a hand-edited one otherwise surfaces much later as a shape error or as
 * silently wrong numbers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/** RoPE scaling as InternLM2 implements it (modeling_internlm2.py: "linear" or "dynamic" NTK). */
export interface RopeScaling {
  /**
   * dynamic: past maxPositions the RoPE base grows with the sequence length T,
   * base = theta * ((factor * T / maxPositions) - (factor - 1)) ** (d / (d - 2)).
   * linear: positions are divided by factor.
   */
  readonly type: 'dynamic' | 'linear';
  readonly factor: number;
}

export interface InternLM2Config {
  /** Width of the residual stream (hidden_size). */
  readonly hiddenSize: number;
  /** Width of the SwiGLU feed-forward layer (intermediate_size). */
  readonly intermediateSize: number;
  /** Transformer blocks (num_hidden_layers). */
  readonly layers: number;
  /** Query heads (num_attention_heads); a multiple of kvHeads (grouped-query attention). */
  readonly heads: number;
  /** Key/value heads (num_key_value_heads; defaults to heads, as in the reference). */
  readonly kvHeads: number;
  /** hiddenSize / heads. */
  readonly headDim: number;
  readonly vocabSize: number;
  /** max_position_embeddings: the context the model was trained for; dynamic NTK scales past it. */
  readonly maxPositions: number;
  /** RoPE base (rope_theta). */
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  readonly rmsNormEps: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** torch_dtype as written ("bfloat16", "float16", "float32"), or "unspecified". */
  readonly torchDtype: string;
}

// Defaults of InternLM2Config (configuration_internlm2.py) for keys a config may omit: the reference
// implementation runs with these, so the engine must too.
const DEFAULT_ROPE_THETA = 10000;
const DEFAULT_RMS_NORM_EPS = 1e-6;
const DEFAULT_MAX_POSITIONS = 2048;

const FIX_ARCHITECTURE = 'gnomon runs InternLM2 checkpoints only (config.json model_type "internlm2", architectures ["InternLM2ForCausalLM"]); point --model at an InternLM2 / InternLM2.5 folder.';
const FIX_EDIT = 'compare config.json with the one published with the checkpoint and fix or restore the key.';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Most query heads per key/value head: the CPU kernels' decode attention holds a group's query
 * heads together (MAX_GROUP in shaders/attention_lanes.wgsl). InternLM2 releases have 2 to 6.
 */
export const MAX_QUERY_HEADS_PER_KV_HEAD = 8;

function fail(file: string, key: string, problem: string, hint: string = FIX_EDIT): never {
  throw new UserError(`${file}: key "${key}" ${problem}`, hint);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function positiveInteger(json: JsonObject, key: string, file: string, fallback?: number): number {
  const value = json[key];
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    fail(file, key, 'is missing (a positive integer is required)');
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(file, key, `must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

function positiveNumber(json: JsonObject, key: string, file: string, fallback: number): number {
  const value = json[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(file, key, `must be a positive number, got ${describe(value)}`);
  }
  return value;
}

/** bos/eos ids: an integer, absent, or (some configs) a list whose first entry is the main one. */
function optionalTokenId(json: JsonObject, key: string, file: string): number | undefined {
  const raw = json[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(file, key, `must be a token id (a non-negative integer), got ${describe(raw)}`);
  }
  return value;
}

function checkArchitecture(json: JsonObject, file: string): void {
  const modelType = json['model_type'];
  const architectures = json['architectures'];
  if (modelType !== undefined && modelType !== 'internlm2') {
    fail(file, 'model_type', `is ${describe(modelType)}: this is not an InternLM2 config`, FIX_ARCHITECTURE);
  }
  if (architectures !== undefined) {
    const names = Array.isArray(architectures) ? architectures : [architectures];
    if (!names.some((name) => typeof name === 'string' && name.startsWith('InternLM2'))) {
      fail(file, 'architectures', `is ${describe(architectures)}: this is not an InternLM2 config`, FIX_ARCHITECTURE);
    }
  }
  if (modelType === undefined && architectures === undefined) {
    fail(file, 'model_type', 'is missing (and so is "architectures"): cannot tell that this is an InternLM2 config', FIX_ARCHITECTURE);
  }
}

function parseRopeScaling(json: JsonObject, file: string): RopeScaling | null {
  const raw = json['rope_scaling'];
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) fail(file, 'rope_scaling', `must be null or an object {"type", "factor"}, got ${describe(raw)}`);
  // Newer transformers write "rope_type"; InternLM2's own configs write "type".
  const type = raw['type'] ?? raw['rope_type'];
  if (type !== 'dynamic' && type !== 'linear') {
    fail(file, 'rope_scaling.type', `is ${describe(type)}; supported: "dynamic" (NTK, InternLM2's releases) and "linear"`, 'set rope_scaling.type to "dynamic" or "linear", or rope_scaling to null.');
  }
  const factor = raw['factor'];
  // The reference (modeling_internlm2.py _rope_scaling_validation) requires a float factor > 1.
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 1) {
    fail(file, 'rope_scaling.factor', `must be a number greater than 1, got ${describe(factor)}`);
  }
  return { type, factor };
}

/** Rejects options of the reference that this engine does not implement, instead of ignoring them. */
function checkUnsupportedOptions(json: JsonObject, file: string): void {
  const act = json['hidden_act'];
  if (act !== undefined && act !== 'silu') {
    fail(file, 'hidden_act', `is ${describe(act)}; InternLM2's SwiGLU uses "silu", the only activation the engine implements`);
  }
  if (json['bias'] === true) {
    fail(file, 'bias', 'is true; the engine implements InternLM2 without attention biases (as released)');
  }
  if (json['tie_word_embeddings'] === true) {
    fail(file, 'tie_word_embeddings', 'is true; InternLM2 has an untied output head (output.weight), which the engine expects');
  }
}

export function parseConfig(json: unknown, file: string): InternLM2Config {
  if (!isObject(json)) {
    throw new UserError(`${file}: expected a JSON object, got ${describe(json)}`, FIX_EDIT);
  }
  checkArchitecture(json, file);
  checkUnsupportedOptions(json, file);

  const hiddenSize = positiveInteger(json, 'hidden_size', file);
  const heads = positiveInteger(json, 'num_attention_heads', file);
  const kvHeads = positiveInteger(json, 'num_key_value_heads', file, heads);
  if (hiddenSize % heads !== 0) {
    fail(file, 'num_attention_heads', `(${heads}) does not divide hidden_size (${hiddenSize})`);
  }
  if (heads % kvHeads !== 0) {
    fail(file, 'num_key_value_heads', `(${kvHeads}) does not divide num_attention_heads (${heads}); grouped-query attention needs a whole number of query heads per key/value head`);
  }
  if (heads / kvHeads > MAX_QUERY_HEADS_PER_KV_HEAD) {
    fail(file, 'num_key_value_heads', `gives ${heads / kvHeads} query heads per key/value head (${heads} / ${kvHeads}); the engine supports at most ${MAX_QUERY_HEADS_PER_KV_HEAD}`);
  }
  const headDim = hiddenSize / heads;
  if (headDim % 2 !== 0) {
    fail(file, 'num_attention_heads', `gives an odd head dimension (${hiddenSize} / ${heads} = ${headDim}); rotary embeddings rotate pairs and need an even one`);
  }

  return {
    hiddenSize,
    intermediateSize: positiveInteger(json, 'intermediate_size', file),
    layers: positiveInteger(json, 'num_hidden_layers', file),
    heads,
    kvHeads,
    headDim,
    vocabSize: positiveInteger(json, 'vocab_size', file),
    maxPositions: positiveInteger(json, 'max_position_embeddings', file, DEFAULT_MAX_POSITIONS),
    ropeTheta: positiveNumber(json, 'rope_theta', file, DEFAULT_ROPE_THETA),
    ropeScaling: parseRopeScaling(json, file),
    rmsNormEps: positiveNumber(json, 'rms_norm_eps', file, DEFAULT_RMS_NORM_EPS),
    bosId: optionalTokenId(json, 'bos_token_id', file),
    eosId: optionalTokenId(json, 'eos_token_id', file),
    torchDtype: typeof json['torch_dtype'] === 'string' ? json['torch_dtype'] : 'unspecified',
  };
}

/** Reads and parses a JSON file; a missing file or invalid JSON is a UserError naming the file. */
export async function readJsonFile(file: string, whatItIs: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read ${whatItIs} (${code ?? String(error)})`, hint);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`${file}: ${whatItIs} is not valid JSON (${(error as Error).message})`, hint);
  }
}

export function configFile(dir: string): string {
  return join(dir, 'config.json');
}

export async function readConfig(dir: string): Promise<InternLM2Config> {
  const file = configFile(dir);
  const json = await readJsonFile(file, 'the model config', `--model must be a checkpoint folder with config.json (as published with the model); ${FIX_EDIT}`);
  return parseConfig(json, file);
}
