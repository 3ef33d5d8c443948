/**
 * Choosing one of several WebGPU adapters (`--adapter NAME|INDEX`, env GNOMON_ADAPTER).
 *
 * What Dawn's Node bindings allow (src/dawn/node/binding/GPU.cpp): `requestAdapter` enumerates the
 * adapters of one backend, ordered by the requested powerPreference, and returns the first one —
 * or, when the instance was created with the `adapter=NAME` flag, the first whose device name
 * contains NAME. There is no index. Asked for a name nothing contains, it fails with the list of
 * adapters it found, which is how they are listed here. So an INDEX is turned into that adapter's
 * name; identical GPUs (eight of the same model) share a name, and then only the first can be
 * chosen this way: give each process one GPU instead (Slurm --gpus-per-task with ConstrainDevices,
 * one GPU per Kubernetes pod), which is what the README's Scale-out section recommends.
 */
import { UserError } from '../errors.js';

export interface ListedAdapter {
  readonly backend: string;
  readonly name: string;
}

/** A name no adapter has: Dawn then rejects with its list of adapters. */
export const LISTING_NAME = '\u0001gnomon: list adapters';

/** Parses Dawn's "Available adapters:\n * backend: 'vulkan', name: '…'" list. */
export function parseAdapterList(message: string): ListedAdapter[] {
  return [...message.matchAll(/^ \* backend: '([^']*)', name: '(.*)'$/gm)].map((match) => ({ backend: match[1] ?? '', name: match[2] ?? '' }));
}

function listText(adapters: readonly ListedAdapter[]): string {
  return adapters.map((adapter, index) => `${index}: ${adapter.name} (${adapter.backend})`).join('; ') || 'none';
}

/**
 * The `adapter=` name for a choice: a name (or part of one) as given, an index resolved through the
 * list. `list` asks Dawn (an instance created with LISTING_NAME).
 */
export async function adapterNameFor(choice: string, list: () => Promise<ListedAdapter[]>): Promise<string> {
  if (!/^\d+$/.test(choice.trim())) return choice;
  const index = Number(choice);
  const adapters = await list();
  const chosen = adapters[index];
  if (!chosen) {
    throw new UserError(`--adapter ${choice}: Dawn found ${adapters.length} adapter(s) here: ${listText(adapters)}`, 'pass an index from that list, or a part of an adapter\'s name');
  }
  // Dawn returns the first adapter whose name contains the given name.
  const first = adapters.findIndex((adapter) => adapter.name.includes(chosen.name));
  if (first !== index) {
    throw new UserError(
      `--adapter ${choice}: adapter ${index} (${chosen.name}) cannot be chosen through Dawn: it picks the first adapter whose name contains the name, which is adapter ${first} (${listText(adapters)})`,
      'identical GPUs share a name: give each process its own GPU instead (Slurm --gpus-per-task 1 with ConstrainDevices=yes, or one GPU per Kubernetes pod)',
    );
  }
  return chosen.name;
}

/** The adapter list from an instance created with the `adapter=LISTING_NAME` flag. */
export async function listAdapters(gpu: GPU, options: GPURequestAdapterOptions): Promise<ListedAdapter[]> {
  try {
    const adapter = await gpu.requestAdapter(options);
    // Dawn found no adapter at all (it resolves instead of listing).
    if (!adapter) return [];
    throw new Error('Dawn returned an adapter for a name no adapter has');
  } catch (error) {
    return parseAdapterList(error instanceof Error ? error.message : String(error));
  }
}
