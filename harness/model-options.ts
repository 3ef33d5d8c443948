/**
 * The `--model` family of options shared by every command that runs a model, and the one function
 * that turns them into a LanguageModel. Without `--model`, commands run on the built-in demo
 * checkpoint (created on first use), so every command works on a fresh machine.
 */
import { UserError } from '../engine/language-model.js';
import type { LanguageModel } from '../engine/language-model.js';
import { loadModel } from '../engine/index.js';
import type { BackendName, FeatureLevel } from '../engine/index.js';
import { ensureDemoCheckpoint } from './demo-checkpoint.js';

export const modelOptions = {
  model: { type: 'string', describe: 'InternLM2 checkpoint folder as published (config.json, *.safetensors, tokenizer.json or tokenizer.model, tokenizer_config.json); default: the built-in demo model' },
  backend: { type: 'string', choices: ['vulkan', 'metal', 'd3d12', 'opengles', 'default'], describe: 'WebGPU backend (env GNOMON_BACKEND)' },
  'feature-level': { type: 'string', choices: ['core', 'compatibility'], describe: 'WebGPU feature level (env GNOMON_FEATURE_LEVEL)' },
  weights: { type: 'string', choices: ['native', 'f32', 'f16'], default: 'native', describe: 'weight format on the GPU: as stored (bf16 unpacked in the shader), or converted' },
  'gpu-memory': { type: 'string', describe: 'GPU memory the engine may plan with, in GiB or with a unit (80, 24GiB, 512MiB); WebGPU cannot report it. Default: env GNOMON_GPU_MEMORY, else half the host memory on a software adapter, else 16 GiB' },
  'context-length': { type: 'number', describe: 'longest sequence the model accepts (default: max_position_embeddings, × the factor under dynamic NTK scaling)' },
  adapter: { type: 'string', describe: 'with several GPUs: the WebGPU adapter, by index in Dawn\'s list or part of its name (env GNOMON_ADAPTER; see README, Scale out)' },
  'kv-cache': { type: 'string', choices: ['f32', 'f16'], default: 'f32', describe: 'KV cache storage: f32, or f16 for half the memory at long contexts (needs shader-f16; log-probs move by ~1e-3)' },
} as const;

export interface ModelArguments {
  readonly model?: string | undefined;
  readonly backend?: string | undefined;
  readonly featureLevel?: string | undefined;
  readonly weights?: string | undefined;
  readonly gpuMemory?: string | undefined;
  readonly kvCache?: string | undefined;
  readonly contextLength?: number | undefined;
  readonly adapter?: string | undefined;
}

function checkedContextLength(value: number): number {
  if (!Number.isInteger(value) || value < 2) {
    throw new UserError(`--context-length ${value}: expected a whole number of tokens ≥ 2`, 'e.g. --context-length 32768');
  }
  return value;
}

export async function openModel(args: ModelArguments): Promise<LanguageModel> {
  const dir = args.model ?? (await ensureDemoCheckpoint());
  return loadModel(dir, {
    device: {
      ...(args.backend ? { backend: args.backend as BackendName } : {}),
      ...(args.featureLevel ? { featureLevel: args.featureLevel as FeatureLevel } : {}),
      ...(args.adapter ? { adapter: args.adapter } : {}),
    },
    weightFormat: (args.weights ?? 'native') as 'native' | 'f32' | 'f16',
    ...(args.gpuMemory ? { gpuMemory: args.gpuMemory } : {}),
    ...(args.kvCache === 'f16' ? { kvCache: 'f16' as const } : {}),
    ...(args.contextLength !== undefined ? { contextLength: checkedContextLength(args.contextLength) } : {}),
  });
}
