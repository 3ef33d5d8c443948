/**
 * `--compat opencompass-0.2.4` and `--compat opencompass` against what OpenCompass's own classes
 * render (test/data/opencompass, see its README): for all 52 C-Eval subjects, val rows 0 and 3, gen
 * and ppl, chat and base, `--show-prompt SUBJECT:ROW --json` gives byte-identical prompt and scored
 * texts and OpenCompass's version hash; the max_seq_len shot dropping gives OpenCompass's prompt
 * with fewer shots. Real C-Eval files, the real InternLM2 tokenizer of the tiny-fp32 fixture (its
 * chat template is InternLM2's).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TextTokenizer } from '../../../engine/language-model.js';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { showPrompt, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import type { CompatMode } from '../../../harness/ceval/opencompass/compat.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR } from './ceval-data-fixture.js';

interface Shown { readonly prompt: string; readonly scored: Record<string, string> | null }
interface SubjectData {
  readonly version: string;
  readonly rows: Record<string, Partial<Record<'chat' | 'base', Shown>>>;
  readonly fewer_shots?: Record<string, Partial<Record<'chat' | 'base', Shown>>>;
}
interface Rendered { readonly opencompass: string; readonly gen: Record<string, SubjectData>; readonly ppl: Record<string, SubjectData> }

const DATA_DIR = join(import.meta.dirname, '../../data/opencompass');
const load = (file: string): Rendered => JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8')) as Rendered;
const RENDERED: [CompatMode, Rendered][] = [['opencompass-0.2.4', load('ceval-0.2.4.json')], ['opencompass', load('ceval-current.json')]];
const CMMLU_RENDERED: [CompatMode, Rendered][] = [['opencompass-0.2.4', load('cmmlu-0.2.4.json')], ['opencompass', load('cmmlu-current.json')]];

describe('OpenCompass-compatible C-Eval prompts', () => {
  let tokenizer: TextTokenizer;
  let model: ScriptedModel;
  beforeAll(async () => {
    tokenizer = await loadTokenizer(fixtureDir('tiny-fp32'));
    model = new ScriptedModel({ tokenizer, contextLength: 1 << 20 });
  });
  // --show-prompt also prints the prompt's token count and the model's context (issue 18); OpenCompass's
  // rendering is what the other fields are compared with.
  const TOKEN_COUNTS = { promptTokens: expect.any(Number) as unknown, contextLength: 1 << 20 };
  const settings = (compat: CompatMode, mode: 'gen' | 'ppl', style: 'chat' | 'base', maxSeqLen = 1 << 20): CevalSettings => ({
    preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', chat: style === 'chat' ? 'on' : 'off', mode, maxOutLen: 16, batchSize: 8, compat, maxSeqLen,
  });

  it('the rendered data covers 52 subjects with OpenCompass\'s published version hashes', () => {
    for (const [, rendered] of RENDERED) {
      expect(Object.keys(rendered.gen)).toHaveLength(52);
      expect(Object.keys(rendered.ppl)).toHaveLength(52);
      expect(rendered.gen.computer_network?.version).toBe('db9ce2');
      expect(rendered.gen.operating_system?.version).toBe('1c2571');
    }
  });

  for (const [compat, rendered] of RENDERED) {
    for (const mode of ['gen', 'ppl'] as const) {
      it(`${compat} ${mode}: prompt, scored text and version of rows 0 and 3 of all 52 subjects, chat and base`, async () => {
        let compared = 0;
        for (const [subject, data] of Object.entries(rendered[mode])) {
          for (const [row, styles] of Object.entries(data.rows)) {
            for (const style of ['chat', 'base'] as const) {
              const expected = styles[style];
              if (!expected) continue;
              const shown = await showPrompt(model, settings(compat, mode, style), `${subject}:${row}`);
              expect(shown, `${subject}:${row} ${style}`).toEqual({ subject, row: Number(row), version: data.version, shots: 5, prompt: expected.prompt, scored: expected.scored, ...TOKEN_COUNTS });
              compared += 1;
            }
          }
        }
        // 0.2.4: chat and base in both modes; current: chat only in gen (HuggingFacewithChatTemplate has no ppl).
        expect(compared).toBe(compat === 'opencompass' && mode === 'ppl' ? 104 : 208);
      }, 120_000);
    }
  }

  for (const [compat, rendered] of CMMLU_RENDERED) {
    for (const mode of ['gen', 'ppl'] as const) {
      it(`CMMLU ${compat} ${mode}: the first question of every subject, chat and base, with its version`, async () => {
        let compared = 0;
        for (const [subject, data] of Object.entries(rendered[mode])) {
          for (const style of ['chat', 'base'] as const) {
            const expected = data.rows['0']?.[style];
            if (!expected) continue;
            const shown = await showPrompt(model, { ...settings(compat, mode, style), preset: 'cmmlu', split: 'val' }, `${subject}:0`);
            expect(shown, `${subject} ${style}`).toEqual({ subject, row: 0, version: data.version, shots: 5, prompt: expected.prompt, scored: expected.scored, ...TOKEN_COUNTS });
            compared += 1;
          }
        }
        // 67 subjects; current OpenCompass: ppl base only (its cmmlu_gen is a different, 0-shot CoT config).
        expect(compared).toBe(compat === 'opencompass' ? (mode === 'ppl' ? 67 : 0) : 134);
      }, 120_000);
    }
  }

  for (const [mode, file, version, count] of [['ppl', 'custom-ppl.json', 'f4923c', 9], ['gen', 'custom-gen.json', 'd890be', 12]] as const) {
    it(`custom files (${mode}): every row as OpenCompass's --custom-dataset-path config renders it, with its version`, async () => {
      const custom = JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8')) as { versions: Record<string, { version: string; rows: Record<string, Partial<Record<'chat' | 'base', Shown>>> }> };
      let compared = 0;
      for (const [compat, data] of Object.entries(custom.versions)) {
        expect(data.version).toBe(version);
        for (const [row, styles] of Object.entries(data.rows)) {
          for (const style of ['chat', 'base'] as const) {
            const expected = styles[style];
            if (!expected) continue;
            const shown = await showPrompt(model, { ...settings(compat as CompatMode, mode, style), custom: join(DATA_DIR, 'custom-sample.csv') }, `custom-sample:${row}`);
            expect(shown, `${compat} ${row} ${style}`).toEqual({ subject: 'custom-sample', row: Number(row), version: data.version, shots: 0, prompt: expected.prompt, scored: expected.scored, ...TOKEN_COUNTS });
            compared += 1;
          }
        }
      }
      // Three rows; ppl: 0.2.4 chat and base, current base only (its chat class has no ppl).
      expect(compared).toBe(count);
    });
  }

  it('current OpenCompass\'s CMMLU gen (a 0-shot chain-of-thought config) is refused, not imitated', async () => {
    await expect(showPrompt(model, { ...settings('opencompass', 'gen', 'base'), preset: 'cmmlu' }, 'agronomy:0')).rejects.toThrow(/cmmlu_0shot_cot_gen_305931/);
  });

  it('current OpenCompass refuses ppl with a chat model, as its chat class has no ppl', async () => {
    await expect(showPrompt(model, settings('opencompass', 'ppl', 'chat'), 'logic:0')).rejects.toThrow(/HuggingFacewithChatTemplate, which has no ppl/);
  });

  for (const [compat, rendered] of RENDERED) {
    for (const mode of ['gen', 'ppl'] as const) {
      it(`${compat} ${mode}: max_seq_len drops shots from the end, exactly to OpenCompass's shorter prompts`, async () => {
        for (const subject of ['computer_network', 'logic']) {
          const fewer = rendered[mode][subject]?.fewer_shots ?? {};
          for (const [count, styles] of Object.entries(fewer)) {
            for (const style of ['chat', 'base'] as const) {
              const expected = styles[style];
              if (!expected) continue;
              // max_seq_len = the token count of OpenCompass's k-shot sequence (bos included): k+1 shots do not fit, k do.
              const texts = expected.scored ? Object.values(expected.scored).map((tail) => expected.prompt + tail) : [expected.prompt];
              const lengths = await Promise.all(texts.map(async (text) => (await tokenizer.encode(text.replace(/^<s>/, ''))).length + 1));
              const shown = await showPrompt(model, settings(compat, mode, style, Math.max(...lengths)), `${subject}:0`);
              expect(shown, `${subject} ${style} ${count} shots`).toMatchObject({ shots: Number(count), prompt: expected.prompt, scored: expected.scored });
            }
          }
        }
      }, 60_000);
    }
  }
});
