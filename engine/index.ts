/**
 * The engine's entry point: open a checkpoint folder and return a LanguageModel running on WebGPU.
 */
import { basename, resolve } from 'node:path';
import { openCheckpoint } from './checkpoint/checkpoint.js';
import { sharedDevice, type DeviceOptions, type GpuContext } from './gpu/device.js';
import type { WeightFormatChoice } from './gpu/gpu-tensor.js';
import type { LanguageModel } from './language-model.js';
import type { KernelFamily } from './model/kernel-family.js';
import { InternLM2Model } from './model/model.js';
import { InternLM2Session } from './session/session.js';
import { loadTokenizer } from './tokenizer/tokenizer.js';
import { tokenizerFilesHash } from './tokenizer/tokenizer-hash.js';
import type { InternLM2Config } from './checkpoint/config.js';
import { UserError } from './errors.js';

// What the harness needs beside loadModel, so that nothing outside engine/ reaches into its rooms.
export { acquireDevice, type BackendName, type FeatureLevel, type GpuContext, type DeviceOptions } from './gpu/device.js';
export { defaultKernelFamily, type KernelFamily } from './model/kernel-family.js';
export { tinyCheckpointId, writeTinyCheckpoint, type TinyCheckpointSpec } from './checkpoint/tiny-checkpoint.js';
export { convertTokenizerFolder } from './tokenizer/sentencepiece-convert.js';
export { loadTokenizer } from './tokenizer/tokenizer.js';
export { cacheRoot, packagePath } from './package-root.js';
export { planCheckpointFolder, type FolderPlan, type LoadPlan, type PlannedMatrix } from './model/load-plan.js';

export interface LoadModelOptions {
  readonly device?: DeviceOptions;
  readonly weightFormat?: WeightFormatChoice;
  /** Longest sequence accepted; default: max_position_embeddings (× factor under dynamic NTK). */
  readonly contextLength?: number;
  /** Rows per forward chunk (activation memory bound). */
  readonly chunkRows?: number;
  /** Most sequences in the KV cache at once. */
  readonly maxSlots?: number;
  /** GPU memory budget for the memory plan (GiB, or with a unit); see engine/memory-plan.ts. */
  readonly gpuMemory?: string;
  /** KV cache storage: f32 (default) or f16 (half the memory, needs shader-f16; changes log-probs by ~1e-3). */
  readonly kvCache?: 'f32' | 'f16';
  /** Kernel family ('gpu' or 'cpu'); default: by adapter kind (engine/kernel-family.ts). Results are bit-identical either way. */
  readonly kernels?: KernelFamily;
  /** Where load-time warnings go (a context length past what RoPE scaling supports); default: stderr. */
  readonly onWarning?: (message: string) => void;
}

export function defaultContextLength(config: InternLM2Config): number {
  const scaling = config.ropeScaling;
  return scaling ? Math.floor(config.maxPositions * scaling.factor) : config.maxPositions;
}

/**
 * A requested context length checked against the checkpoint: past what its RoPE scaling supports
 * (max_position_embeddings, × factor under rope_scaling) the model runs on positions it was never
 * trained for — allowed, with a warning; past what the memory plan can hold for one sequence it
 * could never run — refused now, not at the first long prompt.
 */
function checkContextLength(requested: number, config: InternLM2Config, model: InternLM2Model, warn: (message: string) => void): void {
  const supported = defaultContextLength(config);
  if (requested > supported) {
    const basis = config.ropeScaling
      ? `max_position_embeddings ${config.maxPositions} × rope_scaling factor ${config.ropeScaling.factor} (${config.ropeScaling.type})`
      : `max_position_embeddings ${config.maxPositions}, no rope_scaling`;
    warn(`--context-length ${requested} is beyond the ${supported} positions config.json supports (${basis}); output past ${supported} tokens is unreliable`);
  }
  try {
    model.planFor(1, requested);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`--context-length ${requested}: one sequence of that length cannot fit: ${error.message}`, `use --context-length ${supported} or less (the checkpoint's own limit), or give the engine more memory with --gpu-memory`);
  }
}

export function describeAdapter(context: GpuContext): string {
  const a = context.adapter;
  const name = a.description || a.device || a.architecture || a.vendor || 'unknown adapter';
  return `${name} (${a.backend}, ${a.featureLevel}${context.hasShaderF16 ? ', shader-f16' : ''})`;
}

export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LanguageModel> {
  const checkpoint = await openCheckpoint(dir);
  const tokenizer = await loadTokenizer(dir, { vocabSize: checkpoint.config.vocabSize });
  const context = await sharedDevice(options.device ?? {});
  const model = await InternLM2Model.load(context, checkpoint, {
    weightFormat: options.weightFormat ?? 'native',
    ...(options.chunkRows ? { chunkRows: options.chunkRows } : {}),
    ...(options.gpuMemory ? { gpuMemory: options.gpuMemory } : {}),
    ...(options.kvCache ? { kvCache: options.kvCache } : {}),
    ...(options.kernels ? { kernels: options.kernels } : {}),
  });
  if (options.contextLength !== undefined) {
    try {
      checkContextLength(options.contextLength, checkpoint.config, model, options.onWarning ?? ((message) => process.stderr.write(`warning: ${message}\n`)));
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  return new InternLM2Session(model, tokenizer, {
    name: basename(resolve(dir)),
    contextLength: options.contextLength ?? defaultContextLength(checkpoint.config),
    vocabSize: checkpoint.config.vocabSize,
    checkpointHash: checkpoint.hash,
    tokenizerHash: tokenizerFilesHash(dir),
    device: describeAdapter(context),
  }, options.maxSlots ? { maxSlots: options.maxSlots } : {});
}

// Served models: the LanguageModel over an OpenAI-compatible HTTP endpoint (engine/api/).
export { openApiModel, type OpenApiModelOptions } from './api/open-api-model.js';
export type { ApiChatChoice, ScoringMethod } from './api/api-model.js';
