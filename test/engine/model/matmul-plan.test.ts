/**
 * engine/matmul-plan.ts: for every target, W shape and scratch size, the variants cover each row
 * count exactly once; with subgroups the GPU family's decode path is one matvec_subgroup.wgsl
 * dispatch per row variant and needs no scratch; without them its split-k path runs where its chunk
 * sums fit the scratch buffer and the tiles elsewhere; the CPU family never needs scratch.
 */
import { describe, expect, it } from 'vitest';
import { CPU_MATVEC_COLUMNS, CPU_MATVEC_MIN_WORKGROUPS, cpuMatvecWorkgroup, K_CHUNK, MATVEC_MAX_ROWS, MAX_PARTIALS_BYTES, kChunks, matmulSubgroupSize, matmulVariants, partialsBufferBytes, partialsBytes, subgroupMatvecItems, type MatmulShape, type MatmulTarget } from '../../../engine/model/matmul-plan.js';

const GPU: MatmulTarget = { kernels: 'gpu', subgroupMinSize: 0 };
const GPU_SUBGROUPS_32: MatmulTarget = { kernels: 'gpu', subgroupMinSize: 32 };
const CPU: MatmulTarget = { kernels: 'cpu', subgroupMinSize: 0 };
const CPU_SUBGROUPS_8: MatmulTarget = { kernels: 'cpu', subgroupMinSize: 8 };

const SHAPES_18B: readonly MatmulShape[] = [
  { n: 4096, k: 2048 }, // wqkv
  { n: 2048, k: 2048 }, // wo
  { n: 8192, k: 2048 }, // w1, w3
  { n: 2048, k: 8192 }, // w2
  { n: 92544, k: 2048 }, // output head (one chunk when the binding allows)
];

function variantFor(shape: MatmulShape, capacity: number, rows: number, target: MatmulTarget): ReturnType<typeof matmulVariants>[number] {
  const matching = matmulVariants(target, 'bf16', shape, capacity).filter((v) => rows >= v.minRows && rows <= v.maxRows);
  expect(matching, `exactly one variant for ${rows} rows of ${JSON.stringify(shape)}`).toHaveLength(1);
  return matching[0]!;
}

function filesFor(shape: MatmulShape, capacity: number, rows: number, target: MatmulTarget = GPU): string[] {
  return variantFor(shape, capacity, rows, target).passes.map((pass) => pass.spec.file);
}

describe('matmul plan', () => {
  it('chunks k in K_CHUNK values, the last one ragged', () => {
    expect(kChunks(1)).toBe(1);
    expect(kChunks(K_CHUNK)).toBe(1);
    expect(kChunks(K_CHUNK + 1)).toBe(2);
    expect(kChunks(2048)).toBe(2048 / K_CHUNK);
    expect(partialsBytes({ n: 2048, k: 8192 }, 3)).toBe((8192 / K_CHUNK) * 3 * 2048 * 4);
  });

  it('covers every row count with exactly one variant', () => {
    for (const target of [GPU, GPU_SUBGROUPS_32, { kernels: 'gpu', subgroupMinSize: 4 } as const, CPU, CPU_SUBGROUPS_8]) {
      for (const shape of [...SHAPES_18B, { n: 5, k: 63 }, { n: 130, k: 300 }]) {
        for (const capacity of [0, 4096, partialsBytes(shape, 3), MAX_PARTIALS_BYTES]) {
          for (const rows of [1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 64, 512]) filesFor(shape, capacity, rows, target);
        }
      }
    }
  });

  it('splits k for decode on the GPU family where the chunk sums fit, else runs the tiles', () => {
    const scratch = partialsBufferBytes(GPU, SHAPES_18B);
    expect(scratch).toBe(MAX_PARTIALS_BYTES);
    // wo: 16 rows of 32 chunk sums of 2048 columns = 4 MiB, within the scratch.
    expect(filesFor({ n: 2048, k: 2048 }, scratch, 16)).toEqual(['matvec.wgsl', 'matmul_fold.wgsl']);
    expect(filesFor({ n: 2048, k: 2048 }, scratch, MATVEC_MAX_ROWS + 1)).toEqual(['matmul_tiled.wgsl']);
    // The output head's chunk sums (32 × 92,544 × 4 B = 11.3 MiB a row) fit for 1 row, not 2.
    const head = { n: 92544, k: 2048 };
    expect(filesFor(head, scratch, 1)).toEqual(['matvec.wgsl', 'matmul_fold.wgsl']);
    expect(filesFor(head, scratch, 2)).toEqual(['matmul_tiled.wgsl']);
    // No scratch: tiles for every row count.
    expect(filesFor(head, 0, 1)).toEqual(['matmul_tiled.wgsl']);
  });

  it('sizes the scratch for MATVEC_MAX_ROWS rows of the largest W chunk, within its cap', () => {
    const tiny = [{ n: 128, k: 64 }, { n: 64, k: 176 }];
    expect(partialsBufferBytes(GPU, tiny)).toBe(Math.max(1 * MATVEC_MAX_ROWS * 128 * 4, 3 * MATVEC_MAX_ROWS * 64 * 4));
    expect(partialsBufferBytes(CPU, SHAPES_18B)).toBe(0);
    expect(partialsBufferBytes(GPU_SUBGROUPS_32, SHAPES_18B)).toBe(0);
  });

  it('gives the CPU family register blocks that grow with the row count', () => {
    const shape = { n: 2048, k: 2048 };
    const blocks = [2, 8, 9].map((rows) => matmulVariants(CPU, 'bf16', shape, 0).find((v) => rows >= v.minRows && rows <= v.maxRows)?.passes[0]?.spec.prelude?.at(-1));
    expect(blocks).toEqual(['matmul_blocks/4x4.wgsl', 'matmul_blocks/4x4.wgsl', 'matmul_blocks/8x2.wgsl']);
  });

  it('spreads a few rows of every CPU-family product over at least CPU_MATVEC_MIN_WORKGROUPS workgroups where 8-invocation workgroups allow it', () => {
    for (const target of [CPU, CPU_SUBGROUPS_8]) {
      for (const shape of [...SHAPES_18B, { n: 1024, k: 1024 }, { n: 1024, k: 2816 }, { n: 512, k: 512 }, { n: 136, k: 64 }]) {
        for (const rows of [2, 4, 8, 9, 16]) {
          const pass = variantFor(shape, 0, rows, target).passes[0]!;
          const workgroup = pass.spec.constants?.['WG'] ?? 64;
          const columns = pass.spec.prelude?.includes('matmul_blocks/4x4.wgsl') ? 16 : 8;
          const [x] = pass.workgroups(rows);
          expect(x * workgroup * columns, `${rows} rows of ${JSON.stringify(shape)}: every column covered`).toBeGreaterThanOrEqual(shape.n);
          expect(x, `${rows} rows of ${JSON.stringify(shape)}`).toBeGreaterThanOrEqual(Math.min(CPU_MATVEC_MIN_WORKGROUPS, Math.ceil(shape.n / (8 * columns))));
        }
      }
    }
  });

  it('spreads every 1-row product of the CPU family over at least CPU_MATVEC_MIN_WORKGROUPS workgroups', () => {
    const mid = [{ n: 512, k: 512 }, { n: 1024, k: 512 }, { n: 2816, k: 512 }, { n: 8192, k: 512 }];
    for (const shape of [...SHAPES_18B, ...mid, { n: 1024, k: 1024 }, { n: 1024, k: 2816 }]) {
      const variant = variantFor(shape, 0, 1, CPU);
      expect(variant.passes.map((pass) => pass.spec.file)).toEqual(['matmul_blocked.wgsl']);
      const size = variant.passes[0]!.spec.constants?.['WG'] as number;
      const [x, y] = variant.passes[0]!.workgroups(1);
      // Every column covered once, and the workgroup count reached wherever 8-invocation workgroups allow it.
      expect(x * size * CPU_MATVEC_COLUMNS).toBeGreaterThanOrEqual(shape.n);
      expect((x - 1) * size * CPU_MATVEC_COLUMNS).toBeLessThan(shape.n);
      expect(y).toBe(1);
      expect(x).toBeGreaterThanOrEqual(Math.min(CPU_MATVEC_MIN_WORKGROUPS, Math.ceil(shape.n / (8 * CPU_MATVEC_COLUMNS))));
    }
    // hidden 1024: wo and w2 were one workgroup of matmul_blocked.wgsl; now 8 of 8 invocations.
    expect(cpuMatvecWorkgroup(1024)).toBe(8);
    expect(cpuMatvecWorkgroup(2048)).toBe(16);
    expect(cpuMatvecWorkgroup(92544)).toBe(64);
    expect(variantFor({ n: 1024, k: 1024 }, 0, 1, CPU).passes[0]!.workgroups(1)).toEqual([8, 1, 1]);
    // With subgroups too (x shared between lanes measured no faster in decode).
    expect(variantFor({ n: 1024, k: 1024 }, 0, 1, CPU_SUBGROUPS_8).passes[0]!.spec.file).toBe('matmul_blocked.wgsl');
  });

  it('gives the CPU family with subgroups the shuffled 16-row block for prefill, where n is a multiple of 8', () => {
    const kernelFor = (shape: MatmulShape, rows: number): string[] => {
      const spec = variantFor(shape, 0, rows, CPU_SUBGROUPS_8).passes[0]!.spec;
      return [spec.file, ...(spec.prelude ?? [])];
    };
    for (const shape of SHAPES_18B) {
      expect(kernelFor(shape, 9)).toEqual(['matmul_blocked_shuffle.wgsl', 'matmul_io.wgsl', 'matmul_blocks/16x2.wgsl', 'weights_by8/bf16.wgsl']);
      expect(kernelFor(shape, 512)[0]).toBe('matmul_blocked_shuffle.wgsl');
      // Decode-sized row counts keep their blocks.
      expect(kernelFor(shape, 8)).toContain('matmul_blocks/4x4.wgsl');
    }
    // 16 rows of 512 columns a workgroup: the head's 92,544 columns in 181 workgroup columns.
    expect(variantFor({ n: 92544, k: 2048 }, 0, 17, CPU_SUBGROUPS_8).passes[0]!.workgroups(17)).toEqual([181, 2, 1]);
    // Narrow W: smaller workgroups (16 invocations), so that 16 rows of 1024 columns are still 8 workgroups.
    expect(variantFor({ n: 1024, k: 1024 }, 0, 16, CPU_SUBGROUPS_8).passes[0]!.workgroups(16)).toEqual([8, 1, 1]);
    // n not a multiple of 8 (whole-vector reads), or no subgroups: the 8×2 block.
    expect(kernelFor({ n: 130, k: 300 }, 64)).toContain('matmul_blocks/8x2.wgsl');
    expect(variantFor({ n: 2048, k: 2048 }, 0, 64, CPU).passes[0]!.spec.file).toBe('matmul_blocked.wgsl');
  });

  it('runs decode-sized matmuls in one subgroup dispatch where the GPU family has subgroups', () => {
    const wo = { n: 2048, k: 2048 };
    const rowVariants = [1, 2, 4, 5, 16].map((rows) => variantFor(wo, 0, rows, GPU_SUBGROUPS_32).passes);
    for (const passes of rowVariants) {
      expect(passes.map((pass) => pass.spec.file)).toEqual(['matvec_subgroup.wgsl']);
      expect(passes[0]?.role).toBe('whole');
    }
    // Row variants 1, 4 and 16 (shaders/matvec_rows/), so a 1-row decode keeps one row of sums.
    expect(rowVariants.map((passes) => passes[0]?.spec.prelude?.at(-1))).toEqual(['matvec_rows/1.wgsl', 'matvec_rows/4.wgsl', 'matvec_rows/4.wgsl', 'matvec_rows/16.wgsl', 'matvec_rows/16.wgsl']);
    expect(filesFor(wo, 0, MATVEC_MAX_ROWS + 1, GPU_SUBGROUPS_32)).toEqual(['matmul_tiled.wgsl']);
    // 128 invocations a workgroup: 4 subgroups of 32 lanes, 4 column quads, so 2048 columns take 128 workgroups.
    expect(subgroupMatvecItems(32)).toBe(4);
    expect(subgroupMatvecItems(4)).toBe(32);
    expect(variantFor(wo, 0, 1, GPU_SUBGROUPS_32).passes[0]?.workgroups(1)).toEqual([128, 1, 1]);
    expect(variantFor({ n: 5, k: 63 }, 0, 1, GPU_SUBGROUPS_32).passes[0]?.workgroups(1)).toEqual([1, 1, 1]);
    // The output head, whose chunk sums would not fit the split path's scratch for 2 rows, also runs here.
    expect(filesFor({ n: 92544, k: 2048 }, 0, 16, GPU_SUBGROUPS_32)).toEqual(['matvec_subgroup.wgsl']);
  });

  it('plans for the adapter\'s smallest subgroup size, WebGPU\'s smallest where none is reported, and none without the feature', () => {
    expect(matmulSubgroupSize({ hasSubgroups: true, subgroupMinSize: 32 })).toBe(32);
    expect(matmulSubgroupSize({ hasSubgroups: true, subgroupMinSize: 0 })).toBe(4);
    expect(matmulSubgroupSize({ hasSubgroups: false, subgroupMinSize: 32 })).toBe(0);
  });
});
