/**
 * Which kernels run a projection y (+)= x Wᵀ (W in the "kn" layout), by target (kernel family and
 * subgroups, below), row count and W's shape. Every kernel sums each output in the same chunked
 * k order (shaders/matmul_io.wgsl), so the choice changes speed only, never a bit of a result.
 *
 * - 'gpu' with subgroups: for decode-sized row counts, matvec_subgroup.wgsl in one dispatch — a
 *   subgroup per four output columns, its lanes over the K_CHUNK chunks of k, the chunk sums folded
 *   in order with subgroup shuffles. A 2048-column projection of k = 2048 then keeps 512 subgroups
 *   of 32 lanes busy (on 32-lane hardware) instead of 512 invocations.
 * - 'gpu' without subgroups: the same spread of k in two dispatches: matvec.wgsl writes one sum per
 *   chunk, each chunk in its own workgroup row, and matmul_fold.wgsl adds them into y. The chunk
 *   sums need a scratch buffer (`partials`); where they would not fit it, the tiles run.
 * - 'gpu', above MATVEC_MAX_ROWS rows: matmul_tiled.wgsl (64×64 tiles staged in workgroup memory).
 * - 'cpu' (lavapipe, SwiftShader, WARP): matmul_blocked.wgsl, with no
 *   workgroup memory and no barriers, which a CPU runs as a loop over SIMD lanes; the register
 *   block grows with the row count so that W, the largest operand, is read as few times as possible.
 *   Measured on lavapipe (bench/matmul.ts): 2.8–3.8× the naive kernel at 1 row, 7× at 64 rows.
 *   With subgroups, above 8 rows: matmul_blocked_shuffle.wgsl (SHUFFLE_BLOCK below).
 * - 'cpu', every block: a workgroup sized to W's width (cpuWorkgroupSize), so that every product,
 *   decode's 1 row of `wo` and `w2` included, spreads over all of lavapipe's threads.
 */
import type { GpuContext } from '../gpu/device.js';
import type { KernelFamily } from './kernel-family.js';
import type { KernelSpec, WeightFormat } from '../gpu/kernels.js';

/** Rows up to which the GPU path uses the split matrix-vector kernel (its MAX_ROWS). */
export const MATVEC_MAX_ROWS = 16;
/** k values per chunk of the summation order (K_CHUNK in shaders/matmul_io.wgsl). */
export const K_CHUNK = 64;
/** Largest scratch buffer for the GPU path's chunk sums; projections that need more use the tiles. */
export const MAX_PARTIALS_BYTES = 16 * 2 ** 20;
/** Invocations per workgroup of matvec_subgroup.wgsl (WG there). */
const SUBGROUP_MATVEC_WORKGROUP = 128;
/** Row-count variants of matvec_subgroup.wgsl (shaders/matvec_rows/<rows>.wgsl), the last MATVEC_MAX_ROWS. */
const SUBGROUP_MATVEC_ROWS: readonly number[] = [1, 4, MATVEC_MAX_ROWS];

/**
 * What the plan needs to know of the adapter: the kernel family, and for the GPU family the
 * smallest subgroup size the adapter reports, or 0 to run without subgroups (none, or not wanted).
 */
export interface MatmulTarget {
  readonly kernels: KernelFamily;
  readonly subgroupMinSize: number;
}

/**
 * What a kernel reads and writes, hence which buffers it binds: 'whole' computes y; 'chunk sums'
 * writes the per-chunk sums to `partials`; 'fold' adds them into y.
 */
export type MatmulRole = 'whole' | 'chunk sums' | 'fold';

export interface MatmulPass {
  readonly spec: KernelSpec;
  readonly role: MatmulRole;
  /** Workgroups for `rows` rows of x. */
  workgroups(rows: number): [number, number, number];
}

export interface MatmulVariant {
  /** Smallest and largest row count (inclusive) this variant runs. */
  readonly minRows: number;
  readonly maxRows: number;
  /** The dispatches, in order. */
  readonly passes: readonly MatmulPass[];
}

/** One row chunk of W as the kernels see it: `n` output columns, inner dimension `k`. */
export interface MatmulShape {
  readonly n: number;
  readonly k: number;
}

export interface MatmulBuffers {
  readonly params: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly x: GPUBuffer;
  readonly y: GPUBuffer;
  readonly step: GPUBuffer;
  readonly partials?: GPUBuffer | undefined;
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

/** Chunks of the summation order in an inner dimension of k. */
export function kChunks(k: number): number {
  return Math.ceil(k / K_CHUNK);
}

/** Bytes of chunk sums the GPU path writes for `rows` rows of a W chunk. */
export function partialsBytes(shape: MatmulShape, rows: number): number {
  return kChunks(shape.k) * rows * shape.n * 4;
}

/**
 * The subgroup size to plan for on a device: its smallest, or WebGPU's smallest (4) where the
 * adapter does not report it; 0 without the subgroups feature.
 */
export function matmulSubgroupSize(context: Pick<GpuContext, 'hasSubgroups' | 'subgroupMinSize'>): number {
  return context.hasSubgroups ? context.subgroupMinSize || 4 : 0;
}

/** Whether the target runs decode-sized matmuls through matvec_subgroup.wgsl. */
function usesSubgroups(target: MatmulTarget): boolean {
  return target.kernels === 'gpu' && target.subgroupMinSize > 0;
}

/**
 * matvec_subgroup.wgsl for at most `rows` rows (one of its row variants): ITEMS, the column quads
 * a workgroup covers, is one per subgroup at the smallest subgroup size. `solo` forces the path
 * that the kernel takes in a subgroup with inactive lanes (for its tests).
 */
export function subgroupMatvecKernel(format: WeightFormat, rows: number, subgroupMinSize: number, solo = false): KernelSpec {
  return {
    ...matmulKernel('matvec_subgroup.wgsl', format, [`matvec_rows/${rows}.wgsl`]),
    constants: { ITEMS: subgroupMatvecItems(subgroupMinSize), ...(solo ? { SOLO: 1 } : {}) },
  };
}

/** Column quads per workgroup of matvec_subgroup.wgsl. */
export function subgroupMatvecItems(subgroupMinSize: number): number {
  return Math.max(1, Math.floor(SUBGROUP_MATVEC_WORKGROUP / subgroupMinSize));
}

/**
 * The scratch buffer a model's matmuls need for their chunk sums: enough for MATVEC_MAX_ROWS rows
 * of its largest W chunk, capped at MAX_PARTIALS_BYTES; none for the 'cpu' family or with subgroups.
 */
export function partialsBufferBytes(target: MatmulTarget, shapes: readonly MatmulShape[]): number {
  if (target.kernels === 'cpu' || usesSubgroups(target)) return 0;
  return Math.min(MAX_PARTIALS_BYTES, Math.max(0, ...shapes.map((shape) => partialsBytes(shape, MATVEC_MAX_ROWS))));
}

/**
 * The prefill register block of the 'cpu' family where the adapter has subgroups:
 * matmul_blocked_shuffle.wgsl, 16 rows × 8 columns per invocation, W read eight values at a time
 * (shaders/weights_by8/), x shared between the lanes of a subgroup with shuffles. Measured on
 * lavapipe (bench/matmul.ts, CPU time): 1.6–1.9× matmul_blocked.wgsl's 8×2 block.
 */
const SHUFFLE_BLOCK = { rows: 16, vec4s: 2 } as const;

/** Whether matmul_blocked_shuffle.wgsl can run W: subgroups, and n a multiple of 8 (its whole-vector reads) and at least one block wide. */
export function shuffleBlockFits(target: MatmulTarget, shape: MatmulShape): boolean {
  return target.kernels === 'cpu' && target.subgroupMinSize > 0 && shape.n % 8 === 0 && shape.n >= 4 * SHUFFLE_BLOCK.vec4s;
}

/** matmul_blocked_shuffle.wgsl's spec for a weight format, with `workgroup` invocations a workgroup (WG there; a multiple of the subgroup size). */
export function shuffleBlockKernel(format: WeightFormat, workgroup = 64): KernelSpec {
  return { file: 'matmul_blocked_shuffle.wgsl', prelude: ['matmul_io.wgsl', `matmul_blocks/${SHUFFLE_BLOCK.rows}x${SHUFFLE_BLOCK.vec4s}.wgsl`, `weights_by8/${format}.wgsl`], constants: { WG: workgroup } };
}

function shuffleBlockVariant(format: WeightFormat, shape: MatmulShape, minRows: number): MatmulVariant {
  const workgroup = cpuWorkgroupSize(shape.n, 4 * SHUFFLE_BLOCK.vec4s);
  const columns = 4 * SHUFFLE_BLOCK.vec4s * workgroup;
  return {
    minRows,
    maxRows: Infinity,
    passes: [{ spec: shuffleBlockKernel(format, workgroup), role: 'whole', workgroups: (rows) => [Math.ceil(shape.n / columns), Math.ceil(rows / SHUFFLE_BLOCK.rows), 1] }],
  };
}

/**
 * The variants that together cover every row count ≥ 1, in order, for a W chunk of `shape` with a
 * chunk-sum scratch buffer of `partialsCapacity` bytes.
 */
export function matmulVariants(target: MatmulTarget, format: WeightFormat, shape: MatmulShape, partialsCapacity: number): MatmulVariant[] {
  if (target.kernels === 'cpu') {
    let minRows = 1;
    const blocks = REGISTER_BLOCKS.map((block) => {
      // WG invocations per workgroup (a pipeline constant), each 4 · vec4s columns × block.rows rows,
      // WG shrunk for narrow W so that a few rows still spread over the adapter's threads.
      const workgroup = cpuWorkgroupSize(shape.n, 4 * block.vec4s);
      const spec = { ...matmulKernel('matmul_blocked.wgsl', format, [`matmul_blocks/${block.rows}x${block.vec4s}.wgsl`]), constants: { WG: workgroup } };
      const variant: MatmulVariant = {
        minRows,
        maxRows: block.maxRows,
        passes: [{ spec, role: 'whole', workgroups: (rows) => [Math.ceil(shape.n / (4 * block.vec4s * workgroup)), Math.ceil(rows / block.rows), 1] }],
      };
      minRows = block.maxRows + 1;
      return variant;
    });
    return shuffleBlockFits(target, shape) ? [...blocks.slice(0, -1), shuffleBlockVariant(format, shape, blocks.at(-1)?.minRows ?? 1)] : blocks;
  }
  const tiled: MatmulPass = {
    spec: matmulKernel('matmul_tiled.wgsl', format),
    role: 'whole',
    workgroups: (rows) => [Math.ceil(shape.n / 64), Math.ceil(rows / 64), 1],
  };
  if (usesSubgroups(target)) {
    const items = subgroupMatvecItems(target.subgroupMinSize);
    const variants = SUBGROUP_MATVEC_ROWS.map((rows, i): MatmulVariant => ({
      minRows: i === 0 ? 1 : (SUBGROUP_MATVEC_ROWS[i - 1] as number) + 1,
      maxRows: rows,
      passes: [{ spec: subgroupMatvecKernel(format, rows, target.subgroupMinSize), role: 'whole', workgroups: () => [Math.ceil(shape.n / (4 * items)), 1, 1] }],
    }));
    return [...variants, { minRows: MATVEC_MAX_ROWS + 1, maxRows: Infinity, passes: [tiled] }];
  }
  const splitRows = Math.min(MATVEC_MAX_ROWS, Math.floor(partialsCapacity / partialsBytes(shape, 1)));
  if (splitRows < 1) return [{ minRows: 1, maxRows: Infinity, passes: [tiled] }];
  return [
    {
      minRows: 1,
      maxRows: splitRows,
      passes: [
        { spec: matmulKernel('matvec.wgsl', format), role: 'chunk sums', workgroups: () => [Math.ceil(shape.n / 256), kChunks(shape.k), 1] },
        { spec: { file: 'matmul_fold.wgsl', prelude: ['matmul_io.wgsl'] }, role: 'fold', workgroups: (rows) => [Math.ceil(shape.n / 64), rows, 1] },
      ],
    },
    { minRows: splitRows + 1, maxRows: Infinity, passes: [tiled] },
  ];
}

/** Output columns per invocation of the 'cpu' family's decode block (matmul_blocks/1x4.wgsl: 4 · BC). */
export const CPU_MATVEC_COLUMNS = 16;
/**
 * Workgroups a 'cpu' family product aims for: 2 per thread of a 4-thread lavapipe, so that the
 * threads stay balanced while one finishes its share.
 */
export const CPU_MATVEC_MIN_WORKGROUPS = 8;
/** Workgroup sizes of the 'cpu' family's kernels, largest first; 8 is one SIMD batch of lavapipe on AVX2. */
const CPU_MATVEC_WORKGROUPS: readonly number[] = [64, 32, 16, 8];

/** The decode block's workgroup for W of `n` columns: the largest that still gives CPU_MATVEC_MIN_WORKGROUPS. */
export function cpuMatvecWorkgroup(n: number): number {
  return cpuWorkgroupSize(n, CPU_MATVEC_COLUMNS);
}

/**
 * The workgroup size of a 'cpu' family kernel covering `columns` output columns an invocation, for
 * W of `n` columns: the largest of CPU_MATVEC_WORKGROUPS that gives CPU_MATVEC_MIN_WORKGROUPS
 * workgroups across the columns alone (so that even one block of rows spreads over the threads),
 * else the smallest.
 */
export function cpuWorkgroupSize(n: number, columns: number): number {
  const fits = CPU_MATVEC_WORKGROUPS.find((size) => Math.ceil(n / (columns * size)) >= CPU_MATVEC_MIN_WORKGROUPS);
  return fits ?? (CPU_MATVEC_WORKGROUPS.at(-1) as number);
}

/** The 'cpu' family's decode kernel: matmul_blocked.wgsl's 1-row block, `workgroup` invocations a workgroup. */
export function cpuMatvecKernel(format: WeightFormat, workgroup: number): KernelSpec {
  return { ...matmulKernel('matmul_blocked.wgsl', format, ['matmul_blocks/1x4.wgsl']), constants: { WG: workgroup } };
}


/** The variant that runs `rows` rows. */
export function matmulVariantFor(target: MatmulTarget, format: WeightFormat, shape: MatmulShape, partialsCapacity: number, rows: number): MatmulVariant {
  const variant = matmulVariants(target, format, shape, partialsCapacity).find((v) => rows >= v.minRows && rows <= v.maxRows);
  if (!variant) throw new Error(`no matmul kernel for ${rows} rows`);
  return variant;
}

/**
 * The buffers a pass binds, at the binding numbers of shaders/matmul_io.wgsl (5: partials): a
 * kernel's automatic layout holds only the bindings it uses.
 */
export function matmulBindings(role: MatmulRole, buffers: MatmulBuffers): (GPUBuffer | undefined)[] {
  const { params, weights, x, y, step, partials } = buffers;
  if (role !== 'whole' && !partials) throw new Error(`a '${role}' matmul pass needs the partials buffer`);
  switch (role) {
    case 'whole':
      return [params, weights, x, y, step];
    case 'chunk sums':
      return [params, weights, x, undefined, step, partials];
    case 'fold':
      return [params, undefined, undefined, y, step, partials];
  }
}
