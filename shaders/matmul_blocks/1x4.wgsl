// matmul_blocks/1x4.wgsl — register block of matmul_blocked.wgsl: 1 row(s) × 16 output columns per invocation.
const BR: u32 = 1u;
const BC: u32 = 4u; // vec4s of columns
