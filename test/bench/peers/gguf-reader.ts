/**
 * A small GGUF reader written from the spec (ggml docs/gguf.md: header, metadata key/values, tensor
 * infos, data aligned to general.alignment, default 32), independent of bench/peers/gguf-writer.ts
 * so the writer's tests check its bytes against the format rather than against itself.
 */
export type ReadValue = number | bigint | boolean | string | ReadValue[];

export interface ReadTensorInfo {
  readonly name: string;
  readonly dims: number[];
  readonly type: number;
  readonly offset: number;
}

export interface ReadGguf {
  readonly version: number;
  readonly metadata: Map<string, { type: number; itemType?: number; value: ReadValue }>;
  readonly tensors: ReadTensorInfo[];
  /** Absolute file offset where the tensor infos end (padding follows up to dataStart). */
  readonly infoEnd: number;
  /** Absolute file offset of the data section. */
  readonly dataStart: number;
  readonly alignment: number;
  tensorBytes(name: string, byteLength: number): Buffer;
}

export function readGguf(file: Buffer): ReadGguf {
  let at = 0;
  const u32 = (): number => { const v = file.readUInt32LE(at); at += 4; return v; };
  const u64 = (): bigint => { const v = file.readBigUInt64LE(at); at += 8; return v; };
  const str = (): string => { const n = Number(u64()); const s = file.toString('utf8', at, at + n); at += n; return s; };
  const scalar = (type: number): ReadValue => {
    switch (type) {
      case 0: { const v = file.readUInt8(at); at += 1; return v; }
      case 1: { const v = file.readInt8(at); at += 1; return v; }
      case 2: { const v = file.readUInt16LE(at); at += 2; return v; }
      case 3: { const v = file.readInt16LE(at); at += 2; return v; }
      case 4: return u32();
      case 5: { const v = file.readInt32LE(at); at += 4; return v; }
      case 6: { const v = file.readFloatLE(at); at += 4; return v; }
      case 7: { const v = file.readUInt8(at); at += 1; if (v > 1) throw new Error(`bool byte ${v}`); return v === 1; }
      case 8: return str();
      case 10: return u64();
      case 11: { const v = file.readBigInt64LE(at); at += 8; return v; }
      case 12: { const v = file.readDoubleLE(at); at += 8; return v; }
      default: throw new Error(`unknown value type ${type} at byte ${at}`);
    }
  };
  if (file.toString('latin1', 0, 4) !== 'GGUF') throw new Error('no GGUF magic');
  at = 4;
  const version = u32();
  const tensorCount = Number(u64());
  const kvCount = Number(u64());
  const metadata = new Map<string, { type: number; itemType?: number; value: ReadValue }>();
  for (let i = 0; i < kvCount; i += 1) {
    const key = str();
    const type = u32();
    if (type === 9) {
      const itemType = u32();
      const length = Number(u64());
      const items: ReadValue[] = [];
      for (let j = 0; j < length; j += 1) items.push(scalar(itemType));
      metadata.set(key, { type, itemType, value: items });
    } else {
      metadata.set(key, { type, value: scalar(type) });
    }
  }
  const tensors: ReadTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i += 1) {
    const name = str();
    const nDims = u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d += 1) dims.push(Number(u64()));
    const type = u32();
    const offset = Number(u64());
    tensors.push({ name, dims, type, offset });
  }
  const alignmentEntry = metadata.get('general.alignment');
  const alignment = alignmentEntry ? Number(alignmentEntry.value) : 32;
  const dataStart = Math.ceil(at / alignment) * alignment;
  return {
    version,
    metadata,
    tensors,
    infoEnd: at,
    dataStart,
    alignment,
    tensorBytes(name: string, byteLength: number): Buffer {
      const info = tensors.find((t) => t.name === name);
      if (!info) throw new Error(`no tensor ${name}`);
      return file.subarray(dataStart + info.offset, dataStart + info.offset + byteLength);
    },
  };
}
