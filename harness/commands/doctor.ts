/**
 * `harness doctor` — what WebGPU adapter gnomon gets here and what it offers the engine: backend,
 * features (shader-f16, subgroups, timestamps), the limits that shape memory planning, and a
 * one-second compute check on the built-in demo model.
 */
import type { Argv, CommandModule } from 'yargs';
import {
  acquireDevice, defaultKernelFamily, describeAdapter, loadModel,
  type BackendName, type FeatureLevel, type GpuContext, type KernelFamily,
} from '../../engine/index.js';
import { ensureDemoCheckpoint } from '../demo-checkpoint.js';

interface DoctorArguments {
  backend?: string;
  featureLevel?: string;
  json: boolean;
  check: boolean;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function describeKernelFamily(family: KernelFamily, hasSubgroups: boolean): string {
  if (family === 'cpu') return 'cpu (a CPU adapter: register-blocked matmuls, register-blocked attention, no barriers)';
  const decode = hasSubgroups ? 'decode matmuls one subgroup per 4 columns' : 'decode matmuls split over k';
  return `gpu (workgroup-memory tiles, ${decode}, split-K attention across workgroups)`;
}

export function describeContext(context: GpuContext): string[] {
  const a = context.adapter;
  const l = context.limits;
  return [
    `adapter:      ${describeAdapter(context)}`,
    `vendor:       ${a.vendor || '-'}   architecture: ${a.architecture || '-'}   device: ${a.device || '-'}`,
    `backend:      ${a.backend}   feature level: ${a.featureLevel}${a.isFallbackAdapter ? '   (fallback adapter)' : ''}`,
    `shader-f16:   ${context.hasShaderF16 ? 'yes (f16 weights and KV cache available)' : 'no (f32 only)'}`,
    `subgroups:    ${context.hasSubgroups ? `yes${context.subgroupMinSize ? ` (size ${context.subgroupMinSize}..${context.subgroupMaxSize})` : ''}` : 'no'}`,
    `timestamps:   ${context.hasTimestampQuery ? 'yes' : 'no'}`,
    `kernels:      ${describeKernelFamily(defaultKernelFamily(a), context.hasSubgroups)}`,
    `limits:       storage binding ${mebibytes(l.maxStorageBufferBindingSize)}, buffer ${mebibytes(l.maxBufferSize)}, ` +
      `workgroup memory ${l.maxComputeWorkgroupStorageSize} B, invocations/workgroup ${l.maxComputeInvocationsPerWorkgroup}, ` +
      `workgroups/dimension ${l.maxComputeWorkgroupsPerDimension}, storage buffers/stage ${l.maxStorageBuffersPerShaderStage}`,
    `features:     ${context.features.join(', ')}`,
  ];
}

const command: CommandModule<object, DoctorArguments> = {
  command: 'doctor',
  describe: 'show the WebGPU adapter, its features and limits, and check that the engine computes on it',
  builder: (yargs: Argv) => yargs
    .option('backend', { type: 'string', choices: ['vulkan', 'metal', 'd3d12', 'opengles', 'default'], describe: 'WebGPU backend (env GNOMON_BACKEND)' })
    .option('feature-level', { type: 'string', choices: ['core', 'compatibility'], describe: 'WebGPU feature level (env GNOMON_FEATURE_LEVEL)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the adapter description as JSON' })
    .option('check', { type: 'boolean', default: true, describe: 'run the demo model once to check the kernels (--no-check to skip)' }) as unknown as Argv<DoctorArguments>,
  handler: async (args) => {
    const deviceOptions = {
      ...(args.backend ? { backend: args.backend as BackendName } : {}),
      ...(args.featureLevel ? { featureLevel: args.featureLevel as FeatureLevel } : {}),
    };
    const context = await acquireDevice(deviceOptions);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ adapter: context.adapter, features: context.features, limits: context.limits, subgroupMinSize: context.subgroupMinSize, subgroupMaxSize: context.subgroupMaxSize, kernels: defaultKernelFamily(context.adapter) }, null, 2)}\n`);
    } else {
      process.stdout.write(`${describeContext(context).join('\n')}\n`);
    }
    context.device.destroy();
    if (!args.check) return;
    const started = performance.now();
    const model = await loadModel(await ensureDemoCheckpoint(), { device: deviceOptions });
    const prompt = await model.tokenizer.encode('The quick brown fox jumps over the lazy dog.');
    const [scored] = await model.scoreContinuations([model.tokenizer.bosId ?? 1, ...prompt.slice(0, -1)], [prompt.slice(-1)]);
    const ok = scored !== undefined && Number.isFinite(scored.sumLogprob) && scored.sumLogprob < 0;
    process.stdout.write(`${args.json ? '' : 'check:        '}${ok ? 'ok' : 'FAILED'}: demo model scored ${prompt.length} tokens (log-prob of the last ${scored?.sumLogprob.toFixed(4)}) in ${(performance.now() - started).toFixed(0)} ms\n`);
    await model.dispose();
    if (!ok) process.exitCode = 1;
  },
};

export default command;
