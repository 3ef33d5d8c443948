/**
 * `--adapter NAME|INDEX` (GNOMON_ADAPTER): Dawn's Node bindings pick the first adapter whose name
 * contains a given name and list the adapters when none does; an index is resolved through that
 * list, and refused where Dawn cannot reach it (identical GPUs share a name). The last test asks the
 * real Dawn on this machine.
 */
import { describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../engine/gpu/device.js';
import { adapterNameFor, parseAdapterList } from '../../../engine/gpu/adapter-choice.js';
import { isUserError } from '../../../engine/errors.js';

async function userError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isUserError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a UserError');
}

const DAWN_LIST = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3'\n * backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3'\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'";

describe('choosing an adapter', () => {
  it('parses the list Dawn prints and resolves an index to a name Dawn will pick', async () => {
    const adapters = parseAdapterList(DAWN_LIST);
    expect(adapters).toEqual([
      { backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3' }, { backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3' }, { backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
    ]);
    const list = async () => adapters;
    expect(await adapterNameFor('0', list)).toBe('NVIDIA H100 80GB HBM3');
    expect(await adapterNameFor('2', list)).toBe('llvmpipe (LLVM 15.0.6, 256 bits)');
    expect(await adapterNameFor('H100', list)).toBe('H100');
    // The second of two identical GPUs has the first one's name: Dawn would pick the first.
    expect(await userError(adapterNameFor('1', list))).toContain('cannot be chosen through Dawn');
    expect(await userError(adapterNameFor('3', list))).toContain('Dawn found 3 adapter(s) here: 0: NVIDIA H100 80GB HBM3 (vulkan)');
  });

  it('on this machine: index 0 and part of its name give the same adapter; others are refused with the list', async () => {
    const first = await acquireDevice({ adapter: '0' });
    const name = first.adapter.device || first.adapter.description;
    first.device.destroy();
    const byName = await acquireDevice({ adapter: name.slice(0, 6) });
    expect(byName.adapter.device || byName.adapter.description).toBe(name);
    byName.device.destroy();
    expect(await userError(acquireDevice({ adapter: '9' }))).toMatch(/--adapter 9: Dawn found \d+ adapter\(s\) here: 0: /);
    expect(await userError(acquireDevice({ adapter: 'no such gpu' }))).toContain('Available adapters:');
  });
});
