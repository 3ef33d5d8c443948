/**
 * An InternLM2 checkpoint folder, opened and checked before anything is uploaded: config.json, then
 * the weights (one model.safetensors, or shards listed in model.safetensors.index.json), then every
 * tensor the config implies, present with the shape the config implies. Nothing here reads tensor
 * data; the GPU upload streams it from the entries' offsets.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { configFile, readConfig, readJsonFile, type InternLM2Config } from './config.js';
import { UserError } from '../errors.js';
import { readSafetensorsFile, type SafetensorsFile, type TensorEntry } from './safetensors.js';

export interface Checkpoint {
  /** Absolute path of the folder. */
  readonly dir: string;
  readonly config: InternLM2Config;
  /** Every tensor in the weight files, by name (the expected ones are guaranteed present and shaped). */
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  /** Short content hash of config.json, the safetensors headers and the file sizes: identifies a run's model. */
  readonly hash: string;
}

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** The tensors an InternLM2 forward pass reads, with the shapes the config implies (row-major, [out, in]). */
export function expectedTensorShapes(config: InternLM2Config): Map<string, number[]> {
  const { hiddenSize: hidden, intermediateSize: inter, vocabSize: vocab, heads, kvHeads, headDim } = config;
  const shapes = new Map<string, number[]>();
  shapes.set('model.tok_embeddings.weight', [vocab, hidden]);
  for (let i = 0; i < config.layers; i += 1) {
    const layer = `model.layers.${i}`;
    // Fused query/key/value rows, grouped per key/value head: G query heads, 1 key head, 1 value head.
    shapes.set(`${layer}.attention.wqkv.weight`, [(heads + 2 * kvHeads) * headDim, hidden]);
    shapes.set(`${layer}.attention.wo.weight`, [hidden, heads * headDim]);
    shapes.set(`${layer}.feed_forward.w1.weight`, [inter, hidden]);
    shapes.set(`${layer}.feed_forward.w3.weight`, [inter, hidden]);
    shapes.set(`${layer}.feed_forward.w2.weight`, [hidden, inter]);
    shapes.set(`${layer}.attention_norm.weight`, [hidden]);
    shapes.set(`${layer}.ffn_norm.weight`, [hidden]);
  }
  shapes.set('model.norm.weight', [hidden]);
  shapes.set('output.weight', [vocab, hidden]);
  return shapes;
}

/** Which config.json keys decide a tensor's shape: named in shape errors so the user knows where to look. */
function configKeysForTensor(name: string): string {
  if (name.endsWith('tok_embeddings.weight') || name === 'output.weight') return 'vocab_size and hidden_size';
  if (name.endsWith('attention.wqkv.weight')) return 'num_attention_heads, num_key_value_heads and hidden_size';
  if (name.endsWith('attention.wo.weight')) return 'hidden_size and num_attention_heads';
  if (name.includes('feed_forward.')) return 'intermediate_size and hidden_size';
  return 'hidden_size';
}

interface WeightFiles {
  readonly files: SafetensorsFile[];
  /** Where the index says each tensor lives (sharded checkpoints only). */
  readonly weightMap: ReadonlyMap<string, string> | undefined;
  readonly indexFile: string | undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readIndex(indexFile: string): Promise<Map<string, string>> {
  const hint = `${INDEX_FILE} must be {"weight_map": {"tensor name": "shard file name", ...}}; download it again with the shards.`;
  const json = await readJsonFile(indexFile, 'the shard index', hint);
  const weightMap = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['weight_map'] : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new UserError(`${indexFile}: key "weight_map" is missing or not an object`, hint);
  }
  const map = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '' || isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
      throw new UserError(`${indexFile}: weight_map["${tensor}"] is ${JSON.stringify(shard)}, not a shard file name inside the folder`, hint);
    }
    map.set(tensor, shard);
  }
  if (map.size === 0) throw new UserError(`${indexFile}: weight_map is empty`, hint);
  return map;
}

async function readWeightFiles(dir: string): Promise<WeightFiles> {
  const indexFile = join(dir, INDEX_FILE);
  if (await exists(indexFile)) {
    const weightMap = await readIndex(indexFile);
    const shards = [...new Set(weightMap.values())].sort();
    const files: SafetensorsFile[] = [];
    for (const shard of shards) {
      const shardFile = join(dir, shard);
      if (!(await exists(shardFile))) {
        const count = [...weightMap.values()].filter((s) => s === shard).length;
        throw new UserError(
          `${indexFile}: lists shard ${shard} (${count} tensors), but ${shardFile} does not exist`,
          'download every model-*.safetensors shard named in the index into the checkpoint folder.',
        );
      }
      files.push(await readSafetensorsFile(shardFile));
    }
    return { files, weightMap, indexFile };
  }
  const single = join(dir, SINGLE_FILE);
  if (await exists(single)) return { files: [await readSafetensorsFile(single)], weightMap: undefined, indexFile: undefined };

  const names = await readdir(dir);
  const others = names.filter((n) => /\.(bin|pth|pt|gguf|ckpt)$/.test(n));
  throw new UserError(
    `${dir}: no weights found (expected ${SINGLE_FILE} or ${INDEX_FILE})${others.length > 0 ? `; found ${others.slice(0, 3).join(', ')}, which gnomon cannot read` : ''}`,
    others.length > 0
      ? 'convert the weights to safetensors (e.g. transformers save_pretrained(..., safe_serialization=True)) or download the safetensors release.'
      : 'point --model at the folder holding the checkpoint\'s config.json and *.safetensors files.',
  );
}

function collectTensors(weights: WeightFiles): Map<string, TensorEntry> {
  const tensors = new Map<string, TensorEntry>();
  for (const file of weights.files) {
    for (const entry of file.tensors) {
      const earlier = tensors.get(entry.name);
      if (earlier) {
        throw new UserError(`${entry.file}: tensor ${entry.name} is also in ${earlier.file}`, 'a tensor must be stored once: remove the stray shard or download the checkpoint again.');
      }
      tensors.set(entry.name, entry);
    }
  }
  return tensors;
}

function describeMissing(name: string, weights: WeightFiles, dir: string): string {
  if (!weights.indexFile || !weights.weightMap) return `${weights.files[0]?.file ?? SINGLE_FILE}: tensor ${name} is missing`;
  const shard = weights.weightMap.get(name);
  return shard
    ? `${join(dir, shard)}: tensor ${name} is missing (${INDEX_FILE} says it is in ${shard})`
    : `${weights.indexFile}: tensor ${name} is missing (not in weight_map, nor in any shard)`;
}

function checkTensors(dir: string, config: InternLM2Config, tensors: ReadonlyMap<string, TensorEntry>, weights: WeightFiles): void {
  const configPath = configFile(dir);
  for (const [name, expected] of expectedTensorShapes(config)) {
    const entry = tensors.get(name);
    if (!entry) {
      throw new UserError(
        describeMissing(name, weights, dir),
        `the checkpoint is incomplete, or ${configPath} does not match it (num_hidden_layers = ${config.layers}); download the missing file or fix config.json.`,
      );
    }
    const got = entry.shape;
    if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
      throw new UserError(
        `${entry.file}: tensor ${name} has shape [${got.join(', ')}], expected [${expected.join(', ')}]`,
        `is this an InternLM2 checkpoint, with the config.json it was published with? Check ${configPath} ${configKeysForTensor(name)}.`,
      );
    }
  }
  // Layers beyond num_hidden_layers mean the config describes a different (smaller) model than the
  // weights: running it would quietly drop layers.
  for (const entry of tensors.values()) {
    const layer = /^model\.layers\.(\d+)\./.exec(entry.name);
    if (layer && Number(layer[1]) >= config.layers) {
      throw new UserError(
        `${entry.file}: tensor ${entry.name} belongs to layer ${layer[1]}, but ${configPath} says num_hidden_layers = ${config.layers}`,
        'config.json does not match the weights: restore the config.json published with this checkpoint.',
      );
    }
  }
}

async function contentHash(dir: string, weights: WeightFiles): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(configFile(dir)));
  for (const file of [...weights.files].sort((a, b) => a.file.localeCompare(b.file))) {
    hash.update(`\0${basename(file.file)}\0${file.fileSize}\0`);
    hash.update(file.headerBytes);
  }
  return hash.digest('hex').slice(0, 16);
}

export async function openCheckpoint(dir: string): Promise<Checkpoint> {
  const absolute = resolve(dir);
  let isFolder = false;
  try {
    isFolder = (await stat(absolute)).isDirectory();
  } catch {
    throw new UserError(`${absolute}: no such checkpoint folder`, 'point --model at a folder holding config.json and the *.safetensors weights.');
  }
  if (!isFolder) {
    throw new UserError(`${absolute}: is a file, not a checkpoint folder`, 'point --model at the folder that holds config.json and the *.safetensors weights, not at one file.');
  }
  const config = await readConfig(absolute);
  const weights = await readWeightFiles(absolute);
  const tensors = collectTensors(weights);
  checkTensors(absolute, config, tensors, weights);
  return { dir: absolute, config, tensors, hash: await contentHash(absolute, weights) };
}
