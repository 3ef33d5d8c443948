/**
 * Which family of kernels the engine runs on an adapter. Both compute every result bit for bit the
 * same (the kernel tests and test/engine/logits.test.ts check it); they differ in how they use the
 * hardware:
 *
 * - 'gpu': workgroup-memory tiles shared by many invocations and split-K attention across
 *   workgroups (matmul_tiled.wgsl, matvec.wgsl, attention_tiled.wgsl, attention_split.wgsl).
 * - 'cpu': for adapters that run a workgroup as a loop over SIMD lanes on a CPU (lavapipe,
 *   SwiftShader, WARP), where every barrier is a context switch and workgroup memory is ordinary
 *   memory: register-blocked matmuls and prefill attention, split-K decode attention with one
 *   invocation per (row, KV group, segment), no barriers (matmul_blocked.wgsl, attention_rows.wgsl,
 *   attention_lanes.wgsl). Where such an adapter has subgroups, prefill shares loads between the
 *   lanes of a subgroup (matmul_blocked_shuffle.wgsl; attention_rows.wgsl with lane_share/subgroups.wgsl):
 *   lavapipe loads storage one lane at a time unless the address is provably uniform.
 */
import type { AdapterDescription } from '../gpu/device.js';

export type KernelFamily = 'gpu' | 'cpu';

export const KERNEL_FAMILIES: readonly KernelFamily[] = ['gpu', 'cpu'];

/** CPU adapters get the 'cpu' family; everything else is treated as a GPU. */
export function defaultKernelFamily(adapter: AdapterDescription): KernelFamily {
  const name = `${adapter.architecture} ${adapter.device} ${adapter.description}`.toLowerCase();
  return adapter.isFallbackAdapter || /software|llvmpipe|lavapipe|swiftshader|warp|microsoft basic render/.test(name) ? 'cpu' : 'gpu';
}
