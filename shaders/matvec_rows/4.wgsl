// matvec_rows/4.wgsl — rows of matvec_subgroup.wgsl: at most 4 row(s) of x per dispatch, a constant so that the
// per-row loops unroll and a 1-row decode holds one row of sums in registers, not MATVEC_MAX_ROWS.
const ROWS: u32 = 4u;
