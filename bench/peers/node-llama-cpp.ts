/**
 * node-llama-cpp (llama.cpp for Node, with prebuilt CPU, Vulkan and CUDA builds for linux-x64),
 * installed on demand into gnomon's cache rather than as a dependency: only the peer bench uses it,
 * and its builds weigh ~700 MB. The types below are the few parts of its API the bench calls
 * (node-llama-cpp 3.21.1, dist/index.d.ts); the module is imported by path and checked at that edge.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../engine/errors.js';

export const NODE_LLAMA_CPP_VERSION = '3.21.1';

export type LlamaGpu = 'vulkan' | 'cuda' | false;

export interface ControlledEvaluateOutput {
  readonly next: { readonly token?: number | null; readonly probabilities?: Map<number, number> };
}

export type ControlledEvaluateInput = number | [number, { generateNext: { probabilities?: boolean; token?: boolean } }];

export interface LlamaContextSequence {
  controlledEvaluate(input: readonly ControlledEvaluateInput[]): Promise<(ControlledEvaluateOutput | undefined)[]>;
  clearHistory(): Promise<void>;
}

export interface LlamaContext {
  readonly contextSize: number;
  readonly batchSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaContextOptions {
  contextSize: number;
  batchSize: number;
  flashAttention: boolean;
  threads?: number;
  experimentalKvCacheKeyType?: 'F32' | 'F16';
  experimentalKvCacheValueType?: 'F32' | 'F16';
}

export interface LlamaModel {
  readonly gpuLayers: number;
  createContext(options: LlamaContextOptions): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  readonly gpu: LlamaGpu | string;
  readonly cpuMathCores: number;
  getGpuDeviceNames(): Promise<string[]>;
  loadModel(options: { modelPath: string; gpuLayers: number | 'max'; useMmap?: boolean }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface NodeLlamaCpp {
  getLlama(options: { gpu: LlamaGpu; build: 'never'; logLevel: 'error' | 'warn'; maxThreads?: number; progressLogs?: boolean }): Promise<Llama>;
}

/** Where the package lives: <cache>/peers/node-llama-cpp-<version>/node_modules/node-llama-cpp. */
export function nodeLlamaCppPrefix(cache: string): string {
  return join(cache, 'peers', `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}`);
}

function entryFile(prefix: string): string {
  return join(prefix, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
}

/**
 * Installs node-llama-cpp into `prefix` unless it is there. Install scripts are skipped: its
 * postinstall would try to build llama.cpp from source when no prebuilt binary fits, which needs
 * GitHub; the prebuilt binaries come as optional npm packages (@node-llama-cpp/linux-x64…).
 */
export function ensureNodeLlamaCpp(prefix: string, log: (line: string) => void): string {
  const entry = entryFile(prefix);
  if (existsSync(entry)) return entry;
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), `${JSON.stringify({ name: 'gnomon-peer-bench', private: true }, null, 2)}\n`);
  log(`installing node-llama-cpp@${NODE_LLAMA_CPP_VERSION} into ${prefix} (npm; once)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
  });
  if (result.status !== 0 || !existsSync(entry)) {
    throw new UserError(
      `npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION} into ${prefix} failed (exit ${result.status ?? result.signal ?? result.error?.message})`,
      'the peer bench needs the npm registry once (or that folder copied from a machine that has it; bench/device/pack.sh packs it)',
    );
  }
  return entry;
}

/** Imports the installed package; checks that it has the entry point the bench calls. */
export async function importNodeLlamaCpp(entry: string): Promise<NodeLlamaCpp> {
  const module: unknown = await import(pathToFileURL(entry).href);
  if (typeof module !== 'object' || module === null || typeof (module as Record<string, unknown>)['getLlama'] !== 'function') {
    throw new Error(`${entry} has no getLlama export: not node-llama-cpp ${NODE_LLAMA_CPP_VERSION}?`);
  }
  return module as NodeLlamaCpp;
}
