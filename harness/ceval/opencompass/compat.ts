/**
 * Which prompt, scoring rule and extractor a `harness ceval` run uses: gnomon's own, or a faithful
 * reproduction of one OpenCompass version (`--compat`). Records and run.json name it.
 */
import { UserError } from '../../../engine/language-model.js';
import type { Extractor } from '../answer-extraction.js';

export type CompatMode = 'gnomon' | 'opencompass-0.2.4' | 'opencompass';

export const COMPAT_MODES: readonly CompatMode[] = ['gnomon', 'opencompass-0.2.4', 'opencompass'];

export function isOpenCompass(compat: CompatMode): compat is 'opencompass-0.2.4' | 'opencompass' {
  return compat !== 'gnomon';
}

export function parseCompat(value: string): CompatMode {
  if ((COMPAT_MODES as readonly string[]).includes(value)) return value as CompatMode;
  throw new UserError(`--compat ${value}: unknown`, `use one of ${COMPAT_MODES.join(', ')}`);
}

/**
 * OpenCompass's ceval_gen / cmmlu_gen (0.2.4) postprocessor is first_capital_postprocess; its custom
 * gen config scores with OptionSimAccEvaluator.
 */
export function defaultExtractor(compat: CompatMode, custom = false): Extractor {
  if (!isOpenCompass(compat)) return 'gnomon';
  return custom ? 'option-sim' : 'first-capital';
}
