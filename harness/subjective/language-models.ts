/**
 * The one place answer models and judges are opened. Both are any LanguageModel; today the source is
 * a checkpoint folder run by gnomon's engine (`--model DIR`, `--judge-model DIR`, through the same
 * `openModel` as every command). An OpenAI-compatible endpoint becomes one more `ModelSource` kind
 * handled here (`--judge-api-base`), with nothing else in the subjective harness changing.
 */
import type { LanguageModel } from '../../engine/language-model.js';
import { openModel, type ModelArguments } from '../model-options.js';

export type ModelSource =
  | { readonly kind: 'engine'; readonly dir: string }
  /** A served model (engine/api/): the other --api-* flags (key variable, concurrency, retries) apply to it. */
  | { readonly kind: 'api'; readonly baseUrl: string; readonly model?: string | undefined };

export function describeSource(source: ModelSource): string {
  if (source.kind === 'api') return `OpenAI-compatible endpoint ${source.baseUrl}${source.model ? ` (${source.model})` : ''}`;
  return `gnomon engine on ${source.dir}`;
}

export async function openLanguageModel(source: ModelSource, engine: ModelArguments): Promise<LanguageModel> {
  if (source.kind === 'api') return openModel({ ...engine, model: undefined, apiBase: source.baseUrl, apiModel: source.model });
  return openModel({ ...engine, apiBase: undefined, apiModel: undefined, model: source.dir });
}
