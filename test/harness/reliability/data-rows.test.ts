// Issue 17 items 3 and 4: rows with an empty question or empty options are skipped with a counted
// reason (never scored); a dev split with fewer rows than --shots is refused (run.json would claim
// five shots while fewer were used).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/errors.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { cevalQuestionSet } from '../../../harness/ceval/question-set.js';
import { readJsonl } from '../../../harness/records.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { temporaryDirectory, tinyCevalDataDir } from '../ceval/ceval-data-fixture.js';

const model = (): ScriptedModel => new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2) });

describe('rows that cannot be scored', () => {
  it('an empty question, one empty option and four empty options are skipped with their reasons and counted', async () => {
    const dir = temporaryDirectory('gnomon-empty-rows-');
    const file = join(dir, 'quiz.csv');
    writeFileSync(file, [
      'question,A,B,C,D,answer',
      '1+1=?,1,2,3,4,B',
      ',1,2,3,4,A',
      '2+2=?,4,,2,1,A',
      '3+3=?,,,,,A',
      '4+4=?,8,7,6,5,A',
      '',
    ].join('\n'));
    const result = await runCevalEvaluation(model(), {
      settings: { preset: 'ceval', custom: file, dataDir: '.', split: 'val', chat: 'off', mode: 'ppl', maxOutLen: 1, batchSize: 2 },
      outDir: join(dir, 'runs'), command: 'test',
    });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(records.map((r) => r.status)).toEqual(['ok', 'skipped', 'skipped', 'skipped', 'ok']);
    expect(records.map((r) => r.skip_reason ?? null)).toEqual([
      null,
      `not scorable: ${file}:3: the question is empty`,
      `not scorable: ${file}:4: option B is empty`,
      `not scorable: ${file}:5: all four options are empty`,
      null,
    ]);
    for (const skipped of records.filter((r) => r.status === 'skipped')) expect(skipped.correct).toBeNull();
    expect(result.summary.scored).toBe(2);
    expect(result.summary.skipped).toBe(3);
    expect(readFileSync(join(result.runDir, 'summary.txt'), 'utf8')).toMatch(/skipped/);
  });

  it('an example (shot) row with an empty option is refused: it would damage every prompt of the subject', () => {
    const dataDir = tinyCevalDataDir();
    const dev = join(dataDir, 'ceval', 'formal_ceval', 'dev', 'computer_network_dev.csv');
    writeFileSync(dev, readFileSync(dev, 'utf8').replace('2,三,x,y,z,w,C,', '2,三,x,,z,w,C,'));
    const set = cevalQuestionSet(dataDir, 'val', ['computer_network'], 5);
    let caught: unknown;
    try {
      set.loadSubject('computer_network');
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toBe(`${dev}:4: option B is empty (an example row used in every prompt)`);
  });
});

describe('--shots against the dev split', () => {
  it('a dev split with fewer rows than --shots is refused, naming the file and both counts', () => {
    const dataDir = tinyCevalDataDir();
    const dev = join(dataDir, 'ceval', 'formal_ceval', 'dev', 'computer_network_dev.csv');
    writeFileSync(dev, readFileSync(dev, 'utf8').split('\n').slice(0, 4).join('\n') + '\n');
    let caught: unknown;
    try {
      cevalQuestionSet(dataDir, 'val', ['computer_network'], 5).loadSubject('computer_network');
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toBe(`${dev}: --shots 5 needs 5 example rows, but the file has 3`);
    expect((caught as { hint: string }).hint).toContain('pass --shots 3 (or fewer)');
    // Three shots fit: the run uses exactly what run.json will say.
    expect(cevalQuestionSet(dataDir, 'val', ['computer_network'], 3).loadSubject('computer_network').shots).toHaveLength(3);
  });

  it('the run refuses before creating a folder, so run.json never claims shots that were not used', async () => {
    const dataDir = tinyCevalDataDir();
    const dev = join(dataDir, 'ceval', 'formal_ceval', 'dev', 'computer_network_dev.csv');
    writeFileSync(dev, readFileSync(dev, 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
    const out = join(temporaryDirectory('gnomon-shots-'), 'runs');
    await expect(runCevalEvaluation(model(), {
      settings: { preset: 'ceval', dataDir, split: 'val', subjects: ['computer_network'], chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
      outDir: out, command: 'test',
    })).rejects.toThrow('--shots 5 needs 5 example rows, but the file has 2');
    expect(existsSync(out)).toBe(false);
  });
});
