/**
 * Where the shared read-only data lives (InternLM2 fixture checkpoints, real benchmark files): the
 * folder named by GNOMON_SHARED_DIR, else `shared/` beside this repository. `.ci/run` sets the
 * variable when testing a clone made elsewhere (see there).
 */
import { resolve } from 'node:path';

export const SHARED_DIR = process.env.GNOMON_SHARED_DIR ? resolve(process.env.GNOMON_SHARED_DIR) : resolve(import.meta.dirname, '../../../shared');

/** Tiny InternLM2 checkpoints with golden outputs. */
export const FIXTURES_DIR = resolve(SHARED_DIR, 'fixtures/internlm2');

/** Real C-Eval, CMMLU, GSM8K and HumanEval files in OpenCompass's layout. */
export const BENCHMARKS_DIR = resolve(SHARED_DIR, 'benchmarks');

/** The real InternLM2 tokenizer.model, tokenizer_config.json and 1.8B config.json (no weights), with golden ids. */
export const INTERNLM2_RELEASE_DIR = resolve(SHARED_DIR, 'tokenizers/internlm2');
