/**
 * Tile sizes for shaders/attention_tiled.wgsl, fitted to the adapter's workgroup memory. The tile
 * sizes change only which rows and keys share workgroup memory, never a row's arithmetic (see the
 * shader), so any plan gives the same results.
 */
export interface AttentionTilePlan {
  /** Pipeline constants HD, KT, BQ. */
  readonly constants: Readonly<Record<'HD' | 'KT' | 'BQ', number>>;
  /** Query rows per workgroup. */
  readonly rowsPerWorkgroup: number;
  readonly workgroupBytes: number;
}

const BLOCK = 64;

export function attentionTileBytes(headDim: number, keysPerTile: number, rowsPerTile: number): number {
  // q, acc, total: BQ × HD each; K/V sub-tile: KT × HD; probs, reduce: BQ × 64; eight per-row
  // scalars; two u32 pass variables.
  return 4 * (3 * rowsPerTile * headDim + keysPerTile * headDim + 2 * rowsPerTile * BLOCK + 8 * rowsPerTile + 2);
}

export function planAttentionTiles(headDim: number, maxWorkgroupStorageBytes: number): AttentionTilePlan {
  // Most rows first (K/V reuse), then the largest key sub-tile (fewest barriers per 64-key block).
  for (const rows of [8, 4, 2, 1]) {
    for (const keys of [64, 32, 16, 8, 4, 2, 1]) {
      const bytes = attentionTileBytes(headDim, keys, rows);
      if (bytes <= maxWorkgroupStorageBytes) {
        return { constants: { HD: headDim, KT: keys, BQ: rows }, rowsPerWorkgroup: rows, workgroupBytes: bytes };
      }
    }
  }
  throw new Error(`head dimension ${headDim} does not fit the attention tile in ${maxWorkgroupStorageBytes} bytes of workgroup memory`);
}
