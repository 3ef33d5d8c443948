/**
 * Which matmul kernel runs a projection y (+)= x Wᵀ (W in the "kn" layout), by kernel family
 * (kernel-family.ts) and row count. Every kernel accumulates each output in k order from 0.0 with the same f32 operations (see
 * the shaders), so the choice changes speed only, never a bit of a result.
 *
 * - 'gpu': matvec.wgsl for decode-sized row counts, matmul_tiled.wgsl (64×64
 *   tiles staged in workgroup memory) above.
 * - 'cpu' (lavapipe, SwiftShader, WARP): matmul_blocked.wgsl, with no
 *   workgroup memory and no barriers, which a CPU runs as a loop over SIMD lanes; the register
 *   block grows with the row count so that W, the largest operand, is read as few times as possible.
 *   Measured on lavapipe (bench/matmul.ts): 2.8–3.8× the naive kernel at 1 row, 7× at 64 rows.
 */
import type { KernelFamily } from './kernel-family.js';
import type { KernelSpec, WeightFormat } from './kernels.js';

/** Rows up to which the GPU path uses the matrix-vector kernel (its MAX_ROWS). */
export const MATVEC_MAX_ROWS = 16;

export interface MatmulVariant {
  readonly spec: KernelSpec;
  /** Smallest and largest row count (inclusive) this variant runs. */
  readonly minRows: number;
  readonly maxRows: number;
  /** Workgroups for `rows` rows of x over a W chunk of `n` output columns. */
  workgroups(rows: number, n: number): [number, number, number];
}

/** Register blocks (rows × vec4s of columns) by row count: shaders/matmul_blocks/<rows>x<vec4s>.wgsl. */
const REGISTER_BLOCKS: readonly { rows: number; vec4s: number; maxRows: number }[] = [
  { rows: 1, vec4s: 4, maxRows: 1 },
  { rows: 4, vec4s: 4, maxRows: 8 },
  { rows: 8, vec4s: 2, maxRows: Infinity },
];

/**
 * A matmul kernel's spec: the interface every matmul kernel shares (shaders/matmul_io.wgsl), any
 * further preludes (a register-block size), and the weight format's reader.
 */
export function matmulKernel(file: string, format: WeightFormat, prelude: readonly string[] = []): KernelSpec {
  return { file, weightFormat: format, prelude: ['matmul_io.wgsl', ...prelude] };
}

/** The variants that together cover every row count ≥ 1, in order. */
export function matmulVariants(kernels: KernelFamily, format: WeightFormat): MatmulVariant[] {
  if (kernels === 'cpu') {
    let minRows = 1;
    return REGISTER_BLOCKS.map((block) => {
      const variant: MatmulVariant = {
        spec: matmulKernel('matmul_blocked.wgsl', format, [`matmul_blocks/${block.rows}x${block.vec4s}.wgsl`]),
        minRows,
        maxRows: block.maxRows,
        // 64 invocations per workgroup (WG in the shader), each 4 · vec4s columns × block.rows rows.
        workgroups: (rows, n) => [Math.ceil(n / (256 * block.vec4s)), Math.ceil(rows / block.rows), 1],
      };
      minRows = block.maxRows + 1;
      return variant;
    });
  }
  return [
    { spec: matmulKernel('matvec.wgsl', format), minRows: 1, maxRows: MATVEC_MAX_ROWS, workgroups: (_rows, n) => [Math.ceil(n / 256), 1, 1] },
    { spec: matmulKernel('matmul_tiled.wgsl', format), minRows: MATVEC_MAX_ROWS + 1, maxRows: Infinity, workgroups: (rows, n) => [Math.ceil(n / 64), Math.ceil(rows / 64), 1] },
  ];
}

/** The variant that runs `rows` rows. */
export function matmulVariantFor(kernels: KernelFamily, format: WeightFormat, rows: number): MatmulVariant {
  const variant = matmulVariants(kernels, format).find((v) => rows >= v.minRows && rows <= v.maxRows);
  if (!variant) throw new Error(`no matmul kernel for ${rows} rows`);
  return variant;
}
