// matmul_blocks/8x2.wgsl — register block of matmul_blocked.wgsl: 8 row(s) × 8 output columns per invocation.
const BR: u32 = 8u;
const BC: u32 = 2u; // vec4s of columns
