/**
 * Runs the engine benchmarks in one process, on one device, with one measurement of the adapter's
 * peaks (copy bandwidth, f32 FMA loop) that every figure is compared with.
 *
 *   npm run bench                          # all, sized for software Vulkan (minutes)
 *   npm run bench -- matmul attention      # some of them
 *   npm run bench -- --large               # real-GPU sizes (1.8B shapes, 16 heads, 1k–32k, 1.8B end to end)
 *   npm run bench -- --unsafe              # Dawn's disable_robustness + skip_validation (benchmarks only)
 *
 * Names: matmul, decode-bandwidth, attention, end-to-end, long-context. Each file also runs alone:
 * node dist/bench/<name>.js --help-free flags as documented at its top.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../engine/errors.js';
import { benchAttention } from './attention.js';
import { benchDecodeBandwidth } from './decode-bandwidth.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchDescribe, describeContext, fmt, measurePeaks, runMain, benchDevice } from './gpu-bench.js';
import { benchLongContext } from './long-context.js';
import { benchMatmul } from './matmul.js';

const NAMES = ['matmul', 'decode-bandwidth', 'attention', 'end-to-end', 'long-context'] as const;
type BenchName = (typeof NAMES)[number];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { large: { type: 'boolean', default: false }, unsafe: { type: 'boolean', default: false }, 'long-tokens': { type: 'string' } },
  });
  const unknown = positionals.filter((p) => !(NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UserError(`unknown benchmark ${unknown.join(', ')}`, `choose from ${NAMES.join(', ')}`);
  const selected: readonly BenchName[] = positionals.length > 0 ? (positionals as BenchName[]) : NAMES;
  const large = values.large ?? false;
  const context = await benchDevice({ unsafe: values.unsafe ?? false });
  process.stdout.write(`${benchDescribe()}\nAdapter: ${describeContext(context)}${values.unsafe ? ' [unsafe toggles]' : ''}\n`);
  const peaks = await measurePeaks(context, large);
  process.stdout.write(`Measured peaks: copy ${fmt(peaks.bandwidth / 1e9)} GB/s (read + write), f32 FMA loop ${fmt(peaks.flops / 1e9)} GFLOP/s\n`);
  for (const name of selected) {
    const started = performance.now();
    if (name === 'matmul') await benchMatmul(context, peaks, { large });
    if (name === 'decode-bandwidth') await benchDecodeBandwidth(context, peaks, { large });
    if (name === 'attention') await benchAttention(context, peaks, { large });
    if (name === 'end-to-end') {
      await benchEndToEnd(context, {
        peaks,
        cases: large ? [{ shape: '1.8b', contexts: [1024, 8192, 32768] }] : [{ shape: 'mid', contexts: [256, 1024] }, { shape: 'tiny', contexts: [1024, 4096] }],
        format: 'bf16',
        decodeSteps: 32,
        naive: true,
      });
    }
    if (name === 'long-context') await benchLongContext(context, { tokens: Number(values['long-tokens'] ?? (large ? 32768 : 8192)), checkTokens: 2048, shape: 'long' });
    process.stdout.write(`(${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

runMain(main);
