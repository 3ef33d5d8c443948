import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import { decodeToFloat32, readSafetensorsFile, readSafetensorsHeader, readTensorBytes, type TensorEntry } from '../../../engine/checkpoint/safetensors.js';
import { fixtureDir, makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { editHeader, readHeaderJson, tensorEntry } from '../../helpers/safetensors-surgery.js';

const FP32_FILE = join(fixtureDir('tiny-fp32'), 'model.safetensors');
const BF16_SHARD_1 = join(fixtureDir('tiny-bf16-sharded'), 'model-00001-of-00002.safetensors');

function entryNamed(entries: readonly TensorEntry[], name: string): TensorEntry {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no ${name}`);
  return entry;
}

describe('readSafetensorsHeader on the fixtures', () => {
  it('lists every tensor of tiny-fp32 with dtype, shape and absolute offsets', async () => {
    const entries = await readSafetensorsHeader(FP32_FILE);
    expect(entries).toHaveLength(2 + 2 * 7 + 1);
    const wqkv = entryNamed(entries, 'model.layers.0.attention.wqkv.weight');
    expect(wqkv.dtype).toBe('F32');
    expect(wqkv.shape).toEqual([128, 64]);
    expect(wqkv.byteLength).toBe(128 * 64 * 4);
    // Absolute offset = 8-byte length + header + relative offset, as the raw file says.
    const { header } = readHeaderJson(FP32_FILE);
    const headerLength = Number(readFileSync(FP32_FILE).readBigUInt64LE(0));
    expect(wqkv.byteOffset).toBe(8 + headerLength + tensorEntry(header, wqkv.name).data_offsets[0]);
    expect(wqkv.file).toBe(FP32_FILE);
  });

  it('keeps __metadata__ out of the tensors and exposes it separately', async () => {
    const parsed = await readSafetensorsFile(FP32_FILE);
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.tensors.some((t) => t.name === '__metadata__')).toBe(false);
    expect(parsed.fileSize).toBe(readFileSync(FP32_FILE).length);
  });

  it('reads a bf16 shard', async () => {
    const entries = await readSafetensorsHeader(BF16_SHARD_1);
    const output = entryNamed(entries, 'output.weight');
    expect(output).toMatchObject({ dtype: 'BF16', shape: [384, 64], byteLength: 384 * 64 * 2 });
  });
});

describe('readTensorBytes and decodeToFloat32 on the fixtures', () => {
  it('reads a whole f32 tensor and decodes the values the raw file holds', async () => {
    const entry = entryNamed(await readSafetensorsHeader(FP32_FILE), 'model.norm.weight');
    const values = decodeToFloat32('F32', await readTensorBytes(entry));
    const raw = readFileSync(FP32_FILE);
    const expected = Array.from({ length: 64 }, (_, i) => raw.readFloatLE(entry.byteOffset + 4 * i));
    expect(Array.from(values)).toEqual(expected);
    // Values written by the fixture generator, printed with Python's struct module.
    expect(values[0]).toBeCloseTo(1.0399307012557983, 7);
    expect(values[3]).toBeCloseTo(1.055328607559204, 7);
  });

  it('reads a byte range of a tensor at its offset (streamed reads)', async () => {
    const entry = entryNamed(await readSafetensorsHeader(FP32_FILE), 'output.weight');
    const whole = await readTensorBytes(entry);
    const middle = await readTensorBytes(entry, 4 * 1000, 4 * 77);
    expect(Array.from(middle)).toEqual(Array.from(whole.subarray(4000, 4000 + 308)));
    const odd = await readTensorBytes(entry, 3, 8);
    expect(Array.from(odd)).toEqual(Array.from(whole.subarray(3, 11)));
    await expect(readTensorBytes(entry, entry.byteLength - 4, 8)).rejects.toThrow(RangeError);
  });

  it('decodes a bf16 tensor to the values Python computes from its bits', async () => {
    const entry = entryNamed(await readSafetensorsHeader(BF16_SHARD_1), 'model.norm.weight');
    const values = decodeToFloat32('BF16', await readTensorBytes(entry, 0, 16));
    expect(Array.from(values)).toEqual([0.87109375, 1.1015625, 1.046875, 0.95703125, 0.96484375, 0.8125, 0.84375, 0.87890625]);
  });
});

describe('decodeToFloat32 known conversions', () => {
  const u16 = (...values: number[]): Uint8Array => new Uint8Array(new Uint16Array(values).buffer);

  it('f16: normal, subnormal, extremes, signed zero, infinities, NaN', () => {
    const out = decodeToFloat32('F16', u16(0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00));
    expect(Array.from(out.subarray(0, 10))).toEqual([1, -2, 0.333251953125, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, Infinity, -Infinity]);
    expect(Object.is(out[7], -0)).toBe(true);
    expect(out[10]).toBeNaN();
  });

  it('bf16: the top 16 bits of the float32', () => {
    const out = decodeToFloat32('BF16', u16(0x3f80, 0xc000, 0x3eaa, 0x0001, 0x7f7f, 0xff80, 0x7fc0));
    expect(Array.from(out.subarray(0, 6))).toEqual([1, -2, 0.33203125, 2 ** -133, 3.3895313892515355e38, -Infinity]);
    expect(out[6]).toBeNaN();
  });

  it('decodes from an unaligned view and rejects a partial element', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setUint16(1, 0x3c00, true);
    new DataView(bytes.buffer).setFloat32(3, 1.5, true);
    expect(Array.from(decodeToFloat32('F16', bytes.subarray(1, 3)))).toEqual([1]);
    expect(Array.from(decodeToFloat32('F32', bytes.subarray(3, 7)))).toEqual([1.5]);
    expect(() => decodeToFloat32('F32', bytes.subarray(0, 6))).toThrow(RangeError);
  });
});

describe('readSafetensorsHeader rejects broken files, naming the file and tensor', () => {
  const dir = makeTempFolder();
  afterAll(() => removeTempFolder(dir));
  let count = 0;
  /** A writable copy of the fp32 fixture file, edited by `edit`. */
  function brokenCopy(edit: (file: string) => void): string {
    count += 1;
    const file = join(dir, `broken-${count}.safetensors`);
    writeFileSync(file, readFileSync(FP32_FILE));
    edit(file);
    return file;
  }
  async function failure(file: string): Promise<UserError> {
    const error = await readSafetensorsHeader(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(file);
    return error as UserError;
  }

  it('missing file', async () => {
    expect((await failure(join(dir, 'absent.safetensors'))).message).toMatch(/not found/);
  });

  it('file shorter than the length field', async () => {
    const file = brokenCopy((f) => truncateSync(f, 5));
    expect((await failure(file)).message).toMatch(/only 5 bytes/);
  });

  it('truncated data: names the tensor that runs past the end', async () => {
    const file = brokenCopy((f) => truncateSync(f, readFileSync(f).length - 100));
    expect((await failure(file)).message).toMatch(/tensor output\.weight ends at byte \d+, past the end of the file/);
  });

  it('header length field that lies', async () => {
    const file = brokenCopy((f) => {
      const bytes = readFileSync(f);
      bytes.writeBigUInt64LE(10n ** 12n, 0);
      writeFileSync(f, bytes);
    });
    expect((await failure(file)).message).toMatch(/header length field says 1000000000000 bytes/);
  });

  it('header that is not JSON', async () => {
    const file = brokenCopy((f) => {
      const bytes = readFileSync(f);
      bytes.write('#', 8);
      writeFileSync(f, bytes);
    });
    expect((await failure(file)).message).toMatch(/header is not valid JSON/);
  });

  it('unsupported dtypes (I8, F64): names tensor, dtype and what is supported', async () => {
    for (const dtype of ['I8', 'F64']) {
      const file = brokenCopy((f) => editHeader(f, (h) => { tensorEntry(h, 'model.norm.weight').dtype = dtype; }));
      const error = await failure(file);
      expect(error.message).toContain(`tensor model.norm.weight has dtype "${dtype}"; supported: F32, F16, BF16`);
    }
  });

  it('shape that does not match the byte range', async () => {
    const file = brokenCopy((f) => editHeader(f, (h) => { tensorEntry(h, 'model.layers.1.attention.wo.weight').shape = [64, 63]; }));
    expect((await failure(file)).message).toMatch(/tensor model\.layers\.1\.attention\.wo\.weight: data_offsets \[\d+, \d+\] hold 16384 bytes, but shape \[64, 63\] of F32 needs 16128/);
  });

  it('offsets that overlap another tensor', async () => {
    const file = brokenCopy((f) => editHeader(f, (h) => {
      const wo = tensorEntry(h, 'model.layers.0.attention.wo.weight');
      const norm = tensorEntry(h, 'model.layers.0.attention_norm.weight');
      norm.data_offsets = [wo.data_offsets[0] + 256, wo.data_offsets[0] + 512];
    }));
    expect((await failure(file)).message).toMatch(/tensors model\.layers\.0\.attention\.wo\.weight .* and model\.layers\.0\.attention_norm\.weight .* overlap/);
  });

  it('offsets past the end of the file', async () => {
    const file = brokenCopy((f) => editHeader(f, (h) => { tensorEntry(h, 'model.norm.weight').data_offsets = [600_000, 600_256]; }));
    expect((await failure(file)).message).toMatch(/tensor model\.norm\.weight ends at byte \d+, past the end of the file/);
  });

  it('malformed entries', async () => {
    const badShape = brokenCopy((f) => editHeader(f, (h) => { tensorEntry(h, 'model.norm.weight').shape = [-64]; }));
    expect((await failure(badShape)).message).toMatch(/tensor model\.norm\.weight: shape \[-64\] is not a list/);
    const badOffsets = brokenCopy((f) => editHeader(f, (h) => { (tensorEntry(h, 'model.norm.weight') as { data_offsets: unknown }).data_offsets = [5]; }));
    expect((await failure(badOffsets)).message).toMatch(/tensor model\.norm\.weight: data_offsets \[5\] is not a pair/);
  });

  it('readTensorBytes names the file when it was truncated after the header was read', async () => {
    const file = brokenCopy(() => undefined);
    const entry = entryNamed(await readSafetensorsHeader(file), 'output.weight');
    truncateSync(file, entry.byteOffset + 10);
    const error = await readTensorBytes(entry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(new RegExp(`${file}: file ends after \\d+ bytes while reading tensor output\\.weight`));
  });
});
