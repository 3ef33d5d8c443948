/**
 * WebGPU adapter and device acquisition through Dawn's Node bindings (npm `webgpu`).
 *
 * The object returned by `create()` must stay referenced for the life of the process: if it is
 * garbage-collected while GPU work is in flight Dawn crashes at random. It is kept in a module-level
 * variable and never released; the CLI exits explicitly instead.
 */
import { create, globals } from 'webgpu';
import { UserError } from '../errors.js';
import { adapterNameFor, listAdapters, LISTING_NAME } from './adapter-choice.js';

export type BackendName = 'vulkan' | 'metal' | 'd3d12' | 'opengles' | 'default';
export type FeatureLevel = 'core' | 'compatibility';

export interface DeviceOptions {
  /** Dawn backend; env GNOMON_BACKEND. 'default' lets Dawn choose. */
  readonly backend?: BackendName;
  /** WebGPU feature level; env GNOMON_FEATURE_LEVEL. OpenGL ES needs 'compatibility'. */
  readonly featureLevel?: FeatureLevel;
  /** Extra Dawn toggles to enable (benchmarks only: e.g. disable_robustness). */
  readonly enableToggles?: readonly string[];
  readonly disableToggles?: readonly string[];
  /** Which adapter when there are several: its index in Dawn's list, or part of its name; env GNOMON_ADAPTER (adapter-choice.ts). */
  readonly adapter?: string;
}

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly backend: string;
  readonly featureLevel: FeatureLevel;
  readonly isFallbackAdapter: boolean;
}

/** The limits that matter to the engine, as granted to the device. */
export interface EngineLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly minStorageBufferOffsetAlignment: number;
  readonly minUniformBufferOffsetAlignment: number;
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  readonly features: readonly string[];
  readonly limits: EngineLimits;
  readonly hasShaderF16: boolean;
  readonly hasSubgroups: boolean;
  readonly hasTimestampQuery: boolean;
  /** Subgroup size range reported by the adapter (0 when unknown). */
  readonly subgroupMinSize: number;
  readonly subgroupMaxSize: number;
  /** Validation errors and device loss reported asynchronously; tests assert it stays empty. */
  readonly errors: string[];
  /** Set when no backend was asked for, Vulkan gave no adapter and OpenGL ES was used instead: what the user is told. */
  readonly fallbackNote?: string;
}

// Never collected (see the module comment).
const dawnInstances = new Map<string, GPU>();
let installedGlobals = false;

function dawnInstance(backend: BackendName, enable: readonly string[], disable: readonly string[], adapterName?: string): GPU {
  const flags: string[] = [];
  if (backend !== 'default') flags.push(`backend=${backend}`);
  if (adapterName !== undefined) flags.push(`adapter=${adapterName}`);
  // Without this toggle an NVIDIA GPU on Vulkan reports no shader-f16 (see shared/ENGINE.md).
  const enabled = ['vulkan_enable_f16_on_nvidia', ...enable];
  flags.push(`enable-dawn-features=${enabled.join(',')}`);
  // Timestamps are rounded to ~65 µs by default: benchmarks need the raw values.
  const disabled = ['timestamp_quantization', ...disable];
  flags.push(`disable-dawn-features=${disabled.join(',')}`);
  const key = flags.join(' ');
  let gpu = dawnInstances.get(key);
  if (!gpu) {
    if (!installedGlobals) {
      Object.assign(globalThis, globals);
      installedGlobals = true;
    }
    if (backend === 'opengles' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
    gpu = create(flags) as GPU;
    dawnInstances.set(key, gpu);
  }
  return gpu;
}

function envChoice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UserError(`environment variable ${name}=${value} is not one of ${allowed.join(', ')}`, `unset ${name} or set it to one of those values`);
  }
  return value as T;
}

const BACKENDS: readonly BackendName[] = ['vulkan', 'metal', 'd3d12', 'opengles', 'default'];
const FEATURE_LEVELS: readonly FeatureLevel[] = ['core', 'compatibility'];

const INSTALL_HINT =
  'install a WebGPU-capable driver: on Debian/Ubuntu without a GPU, Mesa\'s software Vulkan driver from bookworm-backports ' +
  '(apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1; Mesa 22 is too old for Dawn), or try ' +
  '--backend opengles --feature-level compatibility (EGL). harness doctor shows what was found.';

/** Printed once when OpenGL ES stands in for a missing Vulkan driver (figures: README, "OpenGL ES fallback"). */
export const OPENGLES_FALLBACK_NOTE =
  'note: no Vulkan adapter here, so gnomon runs on OpenGL ES (--backend opengles --feature-level compatibility), often 10–25× slower (README: "OpenGL ES fallback"); ' +
  'for the fast driver: sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1';

// Once per process, however many devices are opened (doctor opens one, then the model its own).
let fallbackNoted = false;

export async function acquireDevice(options: DeviceOptions = {}): Promise<GpuContext> {
  const chosenBackend = options.backend ?? envChoice('GNOMON_BACKEND', BACKENDS);
  let backend = chosenBackend ?? 'default';
  let featureLevel = options.featureLevel ?? envChoice('GNOMON_FEATURE_LEVEL', FEATURE_LEVELS) ?? (backend === 'opengles' ? 'compatibility' : 'core');
  const choice = options.adapter ?? process.env.GNOMON_ADAPTER;
  const request: GPURequestAdapterOptions = { powerPreference: 'high-performance', featureLevel };
  let gpu: GPU;
  try {
    const instance = (name?: string): GPU => dawnInstance(backend, options.enableToggles ?? [], options.disableToggles ?? [], name);
    const adapterName = choice ? await adapterNameFor(choice, () => listAdapters(instance(LISTING_NAME), request)) : undefined;
    gpu = instance(adapterName);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`WebGPU (Dawn) could not start with backend ${backend}: ${(error as Error).message}`, INSTALL_HINT);
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(request);
  } catch (error) {
    // Dawn rejects a name no adapter contains, listing the adapters it found.
    throw new UserError(`--adapter ${choice ?? ''}: ${(error as Error).message.replace(/\n/g, ' ')}`, 'pass part of one of those names, or its index in that list (GNOMON_ADAPTER=N harness doctor shows which adapter N is)');
  }
  let fallbackNote: string | undefined;
  if (!adapter && chosenBackend === undefined && choice === undefined) {
    // No Vulkan driver (a fresh machine): Mesa's OpenGL ES through EGL still runs every kernel, slowly.
    const gl = await dawnInstance('opengles', options.enableToggles ?? [], options.disableToggles ?? []).requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);
    if (gl) {
      [adapter, backend, featureLevel, fallbackNote] = [gl, 'opengles', 'compatibility', OPENGLES_FALLBACK_NOTE];
      if (!fallbackNoted) process.stderr.write(`${OPENGLES_FALLBACK_NOTE}\n`);
      fallbackNoted = true;
    }
  }
  if (!adapter) {
    throw new UserError(`no WebGPU adapter found (backend ${backend}, feature level ${featureLevel})`, INSTALL_HINT);
  }
  const wanted: GPUFeatureName[] = (['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const limits = adapter.limits;
  // The device gets the spec's defaults unless asked: request what the adapter offers.
  const device = await adapter.requestDevice({
    requiredFeatures: wanted,
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    const message = (event as GPUUncapturedErrorEvent).error.message;
    errors.push(message);
    process.stderr.write(`WebGPU error: ${message}\n`);
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') errors.push(`device lost: ${info.message}`);
  });
  const info = adapter.info;
  const infoRecord = info as GPUAdapterInfo & { backend?: string; subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    device,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      backend: infoRecord.backend ?? backend,
      featureLevel,
      isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
    features: [...device.features].map(String).sort(),
    limits: {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
      minStorageBufferOffsetAlignment: device.limits.minStorageBufferOffsetAlignment,
      minUniformBufferOffsetAlignment: device.limits.minUniformBufferOffsetAlignment,
    },
    hasShaderF16: device.features.has('shader-f16'),
    hasSubgroups: device.features.has('subgroups'),
    hasTimestampQuery: device.features.has('timestamp-query'),
    subgroupMinSize: infoRecord.subgroupMinSize ?? 0,
    subgroupMaxSize: infoRecord.subgroupMaxSize ?? 0,
    errors,
    ...(fallbackNote ? { fallbackNote } : {}),
  };
}

let sharedContext: Promise<GpuContext> | undefined;
let sharedKey = '';

/** One device per process for a given set of options (models and tests share it). */
export function sharedDevice(options: DeviceOptions = {}): Promise<GpuContext> {
  const key = JSON.stringify(options);
  if (!sharedContext || key !== sharedKey) {
    sharedKey = key;
    sharedContext = acquireDevice(options);
    sharedContext.catch(() => {
      sharedContext = undefined;
    });
  }
  return sharedContext;
}
