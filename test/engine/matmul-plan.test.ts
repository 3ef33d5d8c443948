/**
 * engine/matmul-plan.ts: for every W shape and scratch size, the variants cover each row count
 * exactly once; the GPU family's split-k path runs where its chunk sums fit the scratch buffer and
 * the tiles elsewhere; the CPU family never needs scratch.
 */
import { describe, expect, it } from 'vitest';
import { K_CHUNK, MATVEC_MAX_ROWS, MAX_PARTIALS_BYTES, kChunks, matmulVariants, partialsBufferBytes, partialsBytes, type MatmulShape } from '../../engine/matmul-plan.js';

const SHAPES_18B: readonly MatmulShape[] = [
  { n: 4096, k: 2048 }, // wqkv
  { n: 2048, k: 2048 }, // wo
  { n: 8192, k: 2048 }, // w1, w3
  { n: 2048, k: 8192 }, // w2
  { n: 92544, k: 2048 }, // output head (one chunk when the binding allows)
];

function filesFor(shape: MatmulShape, capacity: number, rows: number, family: 'gpu' | 'cpu' = 'gpu'): string[] {
  const matching = matmulVariants(family, 'bf16', shape, capacity).filter((v) => rows >= v.minRows && rows <= v.maxRows);
  expect(matching, `exactly one variant for ${rows} rows of ${JSON.stringify(shape)}`).toHaveLength(1);
  return matching[0]!.passes.map((pass) => pass.spec.file);
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
    for (const family of ['gpu', 'cpu'] as const) {
      for (const shape of [...SHAPES_18B, { n: 5, k: 63 }, { n: 130, k: 300 }]) {
        for (const capacity of [0, 4096, partialsBytes(shape, 3), MAX_PARTIALS_BYTES]) {
          for (const rows of [1, 2, 3, 4, 8, 9, 15, 16, 17, 64, 512]) filesFor(shape, capacity, rows, family);
        }
      }
    }
  });

  it('splits k for decode on the GPU family where the chunk sums fit, else runs the tiles', () => {
    const scratch = partialsBufferBytes('gpu', SHAPES_18B);
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
    expect(partialsBufferBytes('gpu', tiny)).toBe(Math.max(1 * MATVEC_MAX_ROWS * 128 * 4, 3 * MATVEC_MAX_ROWS * 64 * 4));
    expect(partialsBufferBytes('cpu', SHAPES_18B)).toBe(0);
  });

  it('gives the CPU family register blocks that grow with the row count', () => {
    const shape = { n: 2048, k: 2048 };
    const blocks = [1, 8, 9].map((rows) => matmulVariants('cpu', 'bf16', shape, 0).find((v) => rows >= v.minRows && rows <= v.maxRows)?.passes[0]?.spec.prelude?.at(-1));
    expect(blocks).toEqual(['matmul_blocks/1x4.wgsl', 'matmul_blocks/4x4.wgsl', 'matmul_blocks/8x2.wgsl']);
  });
});
