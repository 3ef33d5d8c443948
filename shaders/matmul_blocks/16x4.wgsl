// matmul_blocks/16x4.wgsl — register block of matmul_blocked_shuffle.wgsl: 16 rows × 16 output columns per invocation.
const BR: u32 = 16u;
const BC: u32 = 4u; // vec4s of columns
