/**
 * Pipeline cache: each WGSL kernel is compiled once per (files, constants) and reused by every
 * model and session on the device. Compilation errors surface as exceptions with the shader's
 * messages, never as silent garbage.
 */
import { composeShader } from './shader-source.js';

/** How a weight matrix is stored on the GPU (see shaders/weights/). */
export type WeightFormat = 'f32' | 'f16' | 'bf16';

export interface KernelSpec {
  /** Kernel file under shaders/, e.g. 'matmul_naive.wgsl'. */
  readonly file: string;
  /** Weight storage file prepended to the kernel, for kernels that read weights. */
  readonly weightFormat?: WeightFormat;
  /** Pipeline-overridable constants. */
  readonly constants?: Readonly<Record<string, number>>;
  /** Further files prepended before the kernel (e.g. KV-cache storage: shaders/kv_read/f16.wgsl). */
  readonly prelude?: readonly string[];
}

export class KernelCache {
  private readonly device: GPUDevice;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(device: GPUDevice) {
    this.device = device;
  }

  pipeline(spec: KernelSpec): Promise<GPUComputePipeline> {
    const key = JSON.stringify([spec.file, spec.weightFormat ?? '', spec.constants ?? {}, spec.prelude ?? []]);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.compile(spec);
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private async compile(spec: KernelSpec): Promise<GPUComputePipeline> {
    const files = [...(spec.prelude ?? []), ...(spec.weightFormat ? [`weights/${spec.weightFormat}.wgsl`] : []), spec.file];
    const code = composeShader(files);
    const module = this.device.createShaderModule({ code, label: files.join('+') });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(`WGSL compilation failed for ${files.join(' + ')}:\n${errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
    }
    try {
      return await this.device.createComputePipelineAsync({
        label: files.join('+'),
        layout: 'auto',
        compute: { module, entryPoint: 'main', ...(spec.constants ? { constants: { ...spec.constants } } : {}) },
      });
    } catch (error) {
      throw new Error(`pipeline creation failed for ${files.join(' + ')}: ${(error as Error).message}`);
    }
  }
}

const caches = new WeakMap<GPUDevice, KernelCache>();

export function kernelCache(device: GPUDevice): KernelCache {
  let cache = caches.get(device);
  if (!cache) {
    cache = new KernelCache(device);
    caches.set(device, cache);
  }
  return cache;
}
