/** Small uniform buffers for kernel parameters, written once at creation. */

export type UniformField = { readonly u32: number } | { readonly f32: number };

export function createUniform(device: GPUDevice, label: string, fields: readonly UniformField[]): GPUBuffer {
  const size = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const data = new DataView(new ArrayBuffer(size));
  fields.forEach((field, index) => {
    if ('u32' in field) data.setUint32(index * 4, field.u32, true);
    else data.setFloat32(index * 4, field.f32, true);
  });
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer);
  return buffer;
}

/** A one-u32 uniform rewritten before each submit (the row count of the current step). */
export class StepUniform {
  readonly buffer: GPUBuffer;
  private readonly device: GPUDevice;
  private readonly value = new Uint32Array(4);

  constructor(device: GPUDevice, label: string) {
    this.device = device;
    this.buffer = device.createBuffer({ label, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  set(rows: number): void {
    this.value[0] = rows;
    this.device.queue.writeBuffer(this.buffer, 0, this.value);
  }
}
