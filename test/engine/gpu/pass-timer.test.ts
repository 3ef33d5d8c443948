/**
 * engine/pass-timer.ts: timestamp queries around real compute passes. A pass doing 8× the work of
 * another must be timed longer (the FMA loop of the benchmarks, sized for a CPU adapter), and a
 * timer asked for more passes than it holds must refuse to report a partial sum.
 */
import { describe, expect, it } from 'vitest';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { kernelCache } from '../../../engine/gpu/kernels.js';
import { PassTimer } from '../../../engine/gpu/pass-timer.js';
import { createUniform } from '../../../engine/gpu/uniforms.js';

const context = await sharedDevice();

async function timedFmaPasses(timer: PassTimer, iterations: number, passes: number): Promise<number> {
  const device = context.device;
  const pipeline = await kernelCache(device).pipeline({ file: 'bench_fma.wgsl' });
  const params = createUniform(device, 'fma params', [{ u32: iterations }]);
  const out = device.createBuffer({ size: 256 * 16 * 4, usage: GPUBufferUsage.STORAGE });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer: out } }] });
  const encoder = device.createCommandEncoder();
  for (let p = 0; p < passes; p += 1) {
    const timestampWrites = timer.nextPass();
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(16);
    pass.end();
  }
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  const seconds = await timer.read();
  params.destroy();
  out.destroy();
  return seconds;
}

describe('PassTimer', () => {
  it('sums the GPU time of timed passes, in proportion to their work', async ({ skip }) => {
    if (!context.hasTimestampQuery) skip('adapter has no timestamp-query');
    const timer = new PassTimer(context.device, 4);
    // The fastest of five interleaved runs of each: on a shared CPU a run can only be slowed down
    // (a single pair once measured 9.9 ms short against 16.7 ms long), never sped up.
    const shorts: number[] = [];
    const longs: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      shorts.push(await timedFmaPasses(timer, 256, 1));
      longs.push(await timedFmaPasses(timer, 2048, 1));
    }
    timer.destroy();
    const short = Math.min(...shorts);
    const long = Math.min(...longs);
    expect(short).toBeGreaterThan(0);
    // 8× the loop iterations; allow for fixed per-pass cost.
    expect(long).toBeGreaterThan(2 * short);
  });

  it('refuses to report when more passes ran than it can time', async ({ skip }) => {
    if (!context.hasTimestampQuery) skip('adapter has no timestamp-query');
    const timer = new PassTimer(context.device, 2);
    await expect(timedFmaPasses(timer, 16, 3)).rejects.toThrow(/more than 2 passes/);
    timer.destroy();
  });
});
