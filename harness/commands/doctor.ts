/**
 * `harness doctor` — what WebGPU adapter gnomon gets here and what it offers the engine: backend,
 * features (shader-f16, subgroups, timestamps), the limits that shape memory planning, and a
 * one-second compute check on the built-in demo model. With `--model DIR`, what loading that
 * checkpoint would need here, worked out before any weight is read (a folder with only config.json
 * is enough), and the check runs on that model when the folder has weights.
 */
import type { Argv, CommandModule } from 'yargs';
import {
  acquireDevice, defaultContextLength, defaultKernelFamily, describeAdapter, loadModel, planCheckpointFolder,
  type BackendName, type FeatureLevel, type FolderPlan, type GpuContext, type KernelFamily,
} from '../../engine/index.js';
import { ensureDemoCheckpoint } from '../demo-checkpoint.js';
import { modelOptions } from '../model-options.js';

interface DoctorArguments {
  backend?: string;
  featureLevel?: string;
  model?: string;
  weights: 'native' | 'f32' | 'f16';
  gpuMemory?: string;
  kvCache: 'f32' | 'f16';
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
    ...(context.fallbackNote ? [`fallback:     ${context.fallbackNote.replace(/^note: /, '')}`] : []),
  ];
}

const GIB = 2 ** 30;

function size(bytes: number): string {
  return bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** The plan of `harness doctor --model DIR`, one line per figure. */
export function describeLoadPlan(folder: FolderPlan): string[] {
  const { config: c, plan } = folder;
  const weightLines = (['native', 'f32', 'f16'] as const).map((choice) => {
    const figure = plan.weightBytes[choice];
    return figure ? `${choice}${choice === 'native' ? ` (${figure.format})` : ''} ${size(figure.bytes)} (${count(figure.bytes)} B)` : `${choice} unavailable (no shader-f16)`;
  });
  const per1k = (bytes: number): string => `${size(bytes * 1024)} per 1k tokens (${count(bytes)} B per token)`;
  const context = defaultContextLength(c);
  const limit = plan.limitedBy === 'binding'
    ? `the storage binding: one layer's keys for more tokens would pass ${size(plan.bindingBytes)}`
    : plan.limitedBy === 'budget' ? 'the budget' : 'the budget, which the weights and activations alone exceed';
  return [
    `model:        ${folder.dir}: hidden ${c.hiddenSize}, ${c.layers} layers, ${c.heads} heads / ${c.kvHeads} KV heads of ${c.headDim}, intermediate ${c.intermediateSize}, vocab ${c.vocabSize}`,
    `weights:      ${folder.hasWeights ? `stored as ${folder.storedDtype} (safetensors headers; no tensor data read)` : `none in the folder: planned from config.json (torch_dtype ${c.torchDtype} → ${folder.storedDtype})`}`,
    `parameters:   ${count(plan.parameters)} (${(plan.parameters / 1e9).toFixed(2)} B)`,
    `weight bytes: ${weightLines.join(' · ')}`,
    `KV cache:     f32 ${per1k(plan.kvBytesPerToken.f32)} · f16 ${per1k(plan.kvBytesPerToken.f16)}`,
    `activations:  ${size(plan.activationBytesBase)} per chunk of ${plan.chunkRows} rows (${plan.pickRows} scored at once), + ${size(plan.activationBytesPerPosition * 1024)} per 1k tokens of context`,
    `budget:       ${size(plan.budget.bytes)} (${plan.budget.source})`,
    `longest context: ${count(plan.longestContext)} tokens for one sequence with --weights ${plan.weights} --kv-cache ${plan.kvCache} (limited by ${limit}); ` +
      `${count(plan.longestContextWithPrefixCache)} with the prefix cache's second slot; the model's default context is ${count(context)}`,
    plan.splitMatrices.length === 0
      ? 'split tensors: none (every matrix fits one storage binding)'
      : `split tensors: ${plan.splitMatrices.map((m) => `${m.name} [${m.rows}×${m.cols}] ${m.format} ${size(m.bytes)} → ${m.chunks} chunks of ≤ ${count(m.rowsPerChunk)} rows`).join('; ')}`,
  ];
}

const command: CommandModule<object, DoctorArguments> = {
  command: 'doctor',
  describe: 'show the WebGPU adapter, its features and limits, and check that the engine computes on it',
  builder: (yargs: Argv) => yargs
    .option('backend', { type: 'string', choices: ['vulkan', 'metal', 'd3d12', 'opengles', 'default'], describe: 'WebGPU backend (env GNOMON_BACKEND)' })
    .option('feature-level', { type: 'string', choices: ['core', 'compatibility'], describe: 'WebGPU feature level (env GNOMON_FEATURE_LEVEL)' })
    .option('model', { type: 'string', describe: 'a checkpoint folder: print what loading it would need here, before reading any weight (config.json alone is enough)' })
    .option('weights', modelOptions.weights)
    .option('gpu-memory', modelOptions['gpu-memory'])
    .option('kv-cache', modelOptions['kv-cache'])
    .option('json', { type: 'boolean', default: false, describe: 'print the adapter description (and the plan) as JSON' })
    .option('check', { type: 'boolean', default: true, describe: 'run the demo model (or --model, when it has weights) once to check the kernels (--no-check to skip)' }) as unknown as Argv<DoctorArguments>,
  handler: async (args) => {
    const deviceOptions = {
      ...(args.backend ? { backend: args.backend as BackendName } : {}),
      ...(args.featureLevel ? { featureLevel: args.featureLevel as FeatureLevel } : {}),
    };
    const context = await acquireDevice(deviceOptions);
    const folder = args.model
      ? await planCheckpointFolder(args.model, context, { weights: args.weights, kvCache: args.kvCache, ...(args.gpuMemory ? { gpuMemory: args.gpuMemory } : {}) })
      : undefined;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ adapter: context.adapter, features: context.features, limits: context.limits, subgroupMinSize: context.subgroupMinSize, subgroupMaxSize: context.subgroupMaxSize, kernels: defaultKernelFamily(context.adapter), ...(folder ? { model: folder } : {}) }, null, 2)}\n`);
    } else {
      process.stdout.write(`${[...describeContext(context), ...(folder ? describeLoadPlan(folder) : [])].join('\n')}\n`);
    }
    context.device.destroy();
    if (!args.check) return;
    if (folder && !folder.hasWeights) {
      process.stdout.write(`${args.json ? '' : 'check:        '}skipped: ${folder.dir} has no weights (the plan above is from config.json)\n`);
      return;
    }
    const started = performance.now();
    const dir = folder?.dir ?? (await ensureDemoCheckpoint());
    const model = await loadModel(dir, {
      device: deviceOptions,
      ...(folder ? { weightFormat: args.weights, kvCache: args.kvCache, ...(args.gpuMemory ? { gpuMemory: args.gpuMemory } : {}) } : {}),
    });
    const prompt = await model.tokenizer.encode('The quick brown fox jumps over the lazy dog.');
    const [scored] = await model.scoreContinuations([model.tokenizer.bosId ?? 1, ...prompt.slice(0, -1)], [prompt.slice(-1)]);
    const ok = scored !== undefined && Number.isFinite(scored.sumLogprob) && scored.sumLogprob < 0;
    process.stdout.write(`${args.json ? '' : 'check:        '}${ok ? 'ok' : 'FAILED'}: ${folder ? 'the model' : 'demo model'} scored ${prompt.length} tokens (log-prob of the last ${scored?.sumLogprob.toFixed(4)}) in ${(performance.now() - started).toFixed(0)} ms\n`);
    await model.dispose();
    if (!ok) process.exitCode = 1;
  },
};

export default command;
