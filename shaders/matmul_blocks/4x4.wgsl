// matmul_blocks/4x4.wgsl — register block of matmul_blocked.wgsl: 4 row(s) × 16 output columns per invocation.
const BR: u32 = 4u;
const BC: u32 = 4u; // vec4s of columns
