/**
 * The built-in demo model: a tiny random-weight InternLM2 checkpoint that gnomon writes itself on
 * first use, so every command runs on a fresh machine without downloading a model. It is cached in
 * <repo>/.cache/demo-model-<id>/ (or $GNOMON_CACHE/demo-model-<id>/); the id changes with the spec
 * and the generator, so a stale cache is never reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheRoot, tinyCheckpointId, writeTinyCheckpoint, type TinyCheckpointSpec } from '../engine/index.js';

/**
 * Small enough for software Vulkan (~0.8 M parameters, ~1.6 MFLOP per token) yet shaped like a
 * release: grouped-query attention (2 query heads per key/value head), head dim 32, dynamic NTK
 * scaling past its 4096-position context as InternLM2's releases configure it.
 */
export const DEMO_SPEC: TinyCheckpointSpec = {
  hiddenSize: 128,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  intermediateSize: 352,
  maxPositions: 4096,
  seed: 20240117,
  dtype: 'F32',
  shards: 1,
  ropeScaling: { type: 'dynamic', factor: 2 },
};

// The engine owns the cache folder (it also keeps converted tokenizers there).
export { cacheRoot };

export function demoCheckpointDir(spec: TinyCheckpointSpec = DEMO_SPEC): string {
  return join(cacheRoot(), `demo-model-${tinyCheckpointId(spec)}`);
}

/**
 * Returns the demo checkpoint folder, writing it first if needed. The files are written into a
 * temporary folder that is renamed into place, so an interrupted run or two runs starting at once
 * never leave (or read) a half-written checkpoint.
 */
export async function ensureDemoCheckpoint(spec: TinyCheckpointSpec = DEMO_SPEC): Promise<string> {
  const target = demoCheckpointDir(spec);
  if (existsSync(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const staging = `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    await writeTinyCheckpoint(staging, spec);
    await rename(staging, target);
  } catch (error) {
    // Another process may have renamed its copy into place first: theirs is identical, use it.
    if (!existsSync(target)) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}
