/**
 * Messages between the peer bench and its llama.cpp worker process (./peer-worker.ts). llama.cpp
 * runs in a child process: each backend's build is a separate native addon with its own copy of
 * ggml (loading two into one process clashes), its Vulkan instance stays apart from gnomon's Dawn,
 * and a crash in it reports as a failed backend instead of ending the bench.
 */
import type { LlamaGpu } from './node-llama-cpp.js';

export interface LoadRequest {
  readonly kind: 'load';
  readonly entry: string;
  readonly gguf: string;
  readonly gpu: LlamaGpu;
  readonly threads: number;
  readonly contextSize: number;
  readonly batchSize: number;
  readonly flashAttention: boolean;
  readonly kvCache: 'F32' | 'F16';
}

/** Per-token natural-log probabilities: log p(ids[i + 1] | ids[..i]) for i = 0 … n − 2. */
export interface LogprobsRequest {
  readonly kind: 'logprobs';
  readonly ids: readonly number[];
}

/** Evaluate `ids` from an empty sequence and pick the next token (greedy): a prefill. */
export interface PrefillRequest {
  readonly kind: 'prefill';
  readonly ids: readonly number[];
}

/** Prefill `ids` (untimed), then `steps` greedy decode steps, one token each (timed). */
export interface DecodeRequest {
  readonly kind: 'decode';
  readonly ids: readonly number[];
  readonly steps: number;
}

/** Frees the model and context and loads them again (timed): model load + context creation. */
export interface ReloadRequest {
  readonly kind: 'reload';
}

export type PeerRequest = LoadRequest | LogprobsRequest | PrefillRequest | DecodeRequest | ReloadRequest;

export interface LoadReply {
  readonly kind: 'load';
  readonly seconds: number;
  readonly device: string;
  readonly gpuLayers: number;
  readonly contextSize: number;
  readonly batchSize: number;
}

export type PeerReply =
  | LoadReply
  | { readonly kind: 'logprobs'; readonly logprobs: readonly number[] }
  | { readonly kind: 'prefill'; readonly seconds: number; readonly token: number }
  | { readonly kind: 'decode'; readonly seconds: number; readonly tokens: readonly number[] }
  | { readonly kind: 'reload'; readonly seconds: number }
  | { readonly kind: 'error'; readonly message: string };
