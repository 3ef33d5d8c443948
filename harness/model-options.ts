/**
 * The `--model` family of options shared by every command that runs a model, and the one function
 * that turns them into a LanguageModel. Without `--model`, commands run on the built-in demo
 * checkpoint (created on first use), so every command works on a fresh machine.
 */
import { UserError } from '../engine/language-model.js';
import type { LanguageModel } from '../engine/language-model.js';
import { loadModel, openApiModel } from '../engine/index.js';
import type { ApiChatChoice, BackendName, FeatureLevel } from '../engine/index.js';
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
  // A served model instead of a checkpoint (engine/api/): any OpenAI-compatible endpoint.
  'api-base': { type: 'string', describe: 'evaluate a served model: its OpenAI-compatible base URL, e.g. http://127.0.0.1:23333/v1 (LMDeploy, vLLM, Ollama, llama.cpp, OpenAI, harness serve)' },
  'api-model': { type: 'string', describe: 'with --api-base: the served model name (default: the only one /v1/models lists)' },
  'api-key-env': { type: 'string', default: 'OPENAI_API_KEY', describe: 'with --api-base: environment variable holding the API key (the key is never written to run files, records or logs)' },
  'api-chat': { type: 'string', choices: ['auto', 'on', 'off'], default: 'auto', describe: 'with --api-base: chat turns go to /chat/completions as messages (auto, on) or everything to /completions as the rendered prompt\'s token ids (off)' },
  'api-prompt': { type: 'string', choices: ['ids', 'text'], default: 'ids', describe: 'with --api-base: generation prompts to /completions as token ids (exact; vLLM, llama.cpp, OpenAI, harness serve) or as text (LMDeploy, Ollama take only text)' },
  tokenizer: { type: 'string', describe: 'with --api-base: the served model\'s tokenizer folder (tokenizer.json, tokenizer_config.json) for exact token counts; default: the server\'s /tokenize' },
  concurrency: { type: 'number', default: 4, describe: 'with --api-base: most requests in flight at once' },
  qps: { type: 'number', describe: 'with --api-base: most request starts per second (OpenCompass\'s query_per_second)' },
  'max-retries': { type: 'number', default: 5, describe: 'with --api-base: retries of a failed request (429 honours Retry-After; otherwise exponential backoff with jitter); then the unit is recorded as an error' },
  'request-timeout': { type: 'number', default: 600, describe: 'with --api-base: seconds one attempt may take' },
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
  readonly apiBase?: string | undefined;
  readonly apiModel?: string | undefined;
  /** The variable's name only: the key itself is read at open time and never stored. */
  readonly apiKeyEnv?: string | undefined;
  readonly apiChat?: string | undefined;
  readonly apiPrompt?: string | undefined;
  readonly tokenizer?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly qps?: number | undefined;
  readonly maxRetries?: number | undefined;
  readonly requestTimeout?: number | undefined;
}

const API_ARGUMENTS = ['apiBase', 'apiModel', 'apiKeyEnv', 'apiChat', 'apiPrompt', 'tokenizer', 'concurrency', 'qps', 'maxRetries', 'requestTimeout'] as const;

/** The --api-* arguments of parsed flags, for commands that store their model arguments (no key: only its variable's name). */
export function apiModelArguments(args: object): Partial<ModelArguments> {
  const source = args as Record<string, unknown>;
  return Object.fromEntries(API_ARGUMENTS.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]));
}

function checkedContextLength(value: number): number {
  if (!Number.isInteger(value) || value < 2) {
    throw new UserError(`--context-length ${value}: expected a whole number of tokens ≥ 2`, 'e.g. --context-length 32768');
  }
  return value;
}

/** A served model from the --api-* flags; retries, failures and slow requests are logged to `log`. */
async function openServedModel(args: ModelArguments & { apiBase: string }, log: (line: string) => void): Promise<LanguageModel> {
  const keyVariable = args.apiKeyEnv ?? 'OPENAI_API_KEY';
  if (args.model !== undefined) throw new UserError('--model and --api-base both given', 'pass --model DIR for a local checkpoint, or --api-base URL for a served model, not both');
  return openApiModel({
    baseUrl: args.apiBase,
    model: args.apiModel,
    apiKey: process.env[keyVariable],
    apiKeySource: keyVariable,
    chat: (args.apiChat ?? 'auto') as ApiChatChoice,
    promptFormat: args.apiPrompt === 'text' ? 'text' : 'ids',
    ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    queriesPerSecond: args.qps,
    ...(args.maxRetries !== undefined ? { maxRetries: args.maxRetries } : {}),
    ...(args.requestTimeout !== undefined ? { requestTimeoutSeconds: args.requestTimeout } : {}),
    tokenizerDir: args.tokenizer,
    ...(args.contextLength !== undefined ? { contextLength: checkedContextLength(args.contextLength) } : {}),
    log,
  });
}

export async function openModel(args: ModelArguments, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<LanguageModel> {
  if (args.apiBase !== undefined) return openServedModel({ ...args, apiBase: args.apiBase }, log);
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
