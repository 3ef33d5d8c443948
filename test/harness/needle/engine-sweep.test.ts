/**
 * A real needle sweep through the WebGPU engine on the tiny-fp32 fixture (random weights, so the
 * scores are whatever they are; this checks the plumbing): lengths in the model's own tokens, the
 * context guard against the checkpoint's 2048 positions, records with engine timings, and reports.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { runNeedle } from '../../../harness/needle/needle-run.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

describe('needle sweep on the tiny-fp32 fixture through the engine', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadModel(fixtureDir('tiny-fp32'));
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('runs fitting cells, guards the context, and writes the report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gnomon-needle-engine-'));
    const progress: string[] = [];
    const forwardBefore = model.counters.forwardTokens;
    const result = await runNeedle(model, {
      settings: {
        grid: { lengths: [512, 4096], depths: [0, 100], repeats: 1 }, seed: 'engine', haystack: 'zh',
        task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens: 4, threshold: 0.85,
      },
      outDir: out,
      argv: 'needle (test)',
      log: (line) => progress.push(line),
    });
    expect(model.info.contextLength).toBe(2048);
    const records = result.sweep.records;
    expect(records).toHaveLength(4);
    for (const record of records) {
      if (record.length_target === 4096) {
        expect(record.status).toBe('exceeds_context');
      } else {
        expect(record.status, record.error).toBe('ok');
        expect(record.length_actual).toBeLessThanOrEqual(512);
        expect(record.length_actual).toBe((record.prompt_tokens ?? 0) + 4);
        // The haystack fills the prompt (the last sentence cut short) and is at least half of it.
        expect(record.length_actual).toBeGreaterThan(512 - 8);
        expect(record.haystack_tokens).toBeGreaterThanOrEqual(256);
        expect(Math.abs((record.depth_actual ?? -1) - record.depth_target)).toBeLessThanOrEqual(1);
        expect(record.output).not.toBeNull();
        expect(record.timings.prefill_ms).toBeGreaterThan(0);
        expect([0, 1]).toContain(record.score);
      }
    }
    // The fitting prompts went through the transformer (the engine may reuse a cached shared prefix,
    // so possibly fewer tokens than their sum); the exceeded ones never did.
    const fitted = records.filter((r) => r.status === 'ok').reduce((sum, r) => sum + (r.prompt_tokens ?? 0), 0);
    expect(model.counters.forwardTokens - forwardBefore).toBeGreaterThan(0);
    expect(model.counters.forwardTokens - forwardBefore).toBeLessThanOrEqual(fitted + 2 * 4);
    expect(progress.filter((line) => line.includes('exceeds the context'))).toHaveLength(2);
    expect(existsSync(join(result.dir, 'report.html'))).toBe(true);
    expect(existsSync(join(result.dir, 'heatmap.png'))).toBe(true);
  });
});
