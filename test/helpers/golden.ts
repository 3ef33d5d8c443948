/** Golden outputs of the shared tiny InternLM2 fixtures (see ../shared/fixtures/internlm2/README.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, type FixtureName } from './internlm2-fixtures.js';

export const FIXTURE_NAMES: readonly FixtureName[] = ['tiny-fp32', 'tiny-bf16-sharded', 'tiny-ntk'];

export interface Golden {
  readonly text: string;
  readonly input_ids: number[];
  readonly encode_text_ids: number[];
  /** Full logits at the listed positions (keys are positions). */
  readonly logits_rows: Record<string, number[]>;
  readonly token_logprobs: number[];
  readonly sum_logprob: number;
  readonly greedy_prompt_ids: number[];
  readonly greedy_new_ids: number[];
}

export function readGolden(name: FixtureName): Golden {
  return JSON.parse(readFileSync(join(fixtureDir(name), 'golden.json'), 'utf8')) as Golden;
}
