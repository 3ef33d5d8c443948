/**
 * shaders/embed.wgsl: x[row, :] = E[token[row], :] for the rows whose token lies in this chunk of
 * the table — an exact copy of the stored value (f32, f16 or bf16) — leaving all other rows alone.
 */
import { describe, expect, it } from 'vitest';
import type { WeightFormat } from '../../../engine/gpu/kernels.js';
import { expectIdentical } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats, uniformIntegers, weightStorage } from '../../helpers/seeded-arrays.js';

const FILE = 'embed.wgsl';
const WORKGROUP = 64;
const EXTRA_ROWS = 2;

const runner = await KernelRunner.forEachTest();
const formats = runner.weightFormats;

interface EmbedCase {
  readonly rows: number;
  readonly vocab: number;
  readonly width: number;
  /** First vocabulary row of each chunk (the table split as engine/weights.ts splits it). */
  readonly chunkStarts: readonly number[];
}

async function checkEmbed(format: WeightFormat, c: EmbedCase): Promise<void> {
  const random = seededRandom(`embed ${format} ${JSON.stringify(c)}`);
  const allocatedRows = c.rows + EXTRA_ROWS;
  const table = weightStorage(format, uniformFloats(random, c.vocab * c.width));
  const tokens = uniformIntegers(random, allocatedRows, c.vocab);
  // The last row of the table, and the rows on both sides of every chunk boundary: an off-by-one in
  // the chunk's token range would copy (or read out of bounds) there.
  const edges = [c.vocab - 1, ...c.chunkStarts.filter((s) => s > 0).flatMap((s) => [s - 1, s])];
  expect(edges.length, 'rows enough for the edge tokens').toBeLessThanOrEqual(c.rows);
  tokens.set(edges);
  const x0 = uniformFloats(random, allocatedRows * c.width, 10, 20); // never a table value
  const x = runner.storage(x0, 'x');
  const tokenBuffer = runner.storage(tokens, 'tokens');
  const step = runner.step(c.rows);
  const expected = Float32Array.from(x0);
  const bounds = [...c.chunkStarts, c.vocab];
  // Chunks run last to first, checking after each that only rows whose token is in a chunk run so
  // far were written.
  for (let chunk = c.chunkStarts.length - 1; chunk >= 0; chunk -= 1) {
    const first = bounds[chunk] as number;
    const count = (bounds[chunk + 1] as number) - first;
    // Each chunk is its own buffer, packed from its first row (as uploadMatrix does).
    const chunkTable = weightStorage(format, table.values.slice(first * c.width, (first + count) * c.width));
    await runner.dispatch(
      { file: FILE, weightFormat: format },
      [runner.uniform([{ u32: c.width }, { u32: first }, { u32: count }]), runner.storage(chunkTable.data, `E[${first}..)`), tokenBuffer, x, step],
      [Math.ceil(c.width / WORKGROUP), allocatedRows, 1],
    );
    for (let r = 0; r < c.rows; r += 1) {
      const token = tokens[r] as number;
      if (token >= first && token < first + count) expected.set(table.values.subarray(token * c.width, (token + 1) * c.width), r * c.width);
    }
    expectIdentical(await runner.readFloat32(x, x0.length), expected, `embed ${format} after chunk from ${first}`);
  }
}

describe.each(formats)('embed with %s table', (format) => {
  it.each<EmbedCase>([
    { rows: 1, vocab: 1, width: 1, chunkStarts: [0] },
    { rows: 3, vocab: 257, width: 5, chunkStarts: [0] },
    { rows: 7, vocab: 257, width: 65, chunkStarts: [0, 100] },
    { rows: 7, vocab: 1000, width: 130, chunkStarts: [0, 333, 334, 901] },
  ])('rows $rows, vocab $vocab, width $width, chunks from $chunkStarts', async (c) => {
    await checkEmbed(format, c);
  });
});
