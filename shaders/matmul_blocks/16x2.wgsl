// matmul_blocks/16x2.wgsl — register block of matmul_blocked_shuffle.wgsl: 16 rows × 8 output columns per invocation.
const BR: u32 = 16u;
const BC: u32 = 2u; // vec4s of columns
