import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import cevalCommand from '../../../harness/commands/ceval.js';
import needleCommand from '../../../harness/commands/needle.js';
import { commandOptions } from '../../../harness/suite/command-options.js';
import { flagsToArgv, modelOptionSpecs, parseSuiteConfig } from '../../../harness/suite/suite-config.js';
import { runSuite } from '../../../harness/suite/suite-run.js';
import { SUITE_SCHEMA, writeSuiteState } from '../../../harness/suite/suite-state.js';
import { parseTaskArguments } from '../../../harness/suite/suite-tasks.js';
import { isUserError } from '../../../engine/errors.js';
import type { CommandModule } from 'yargs';
import { fixtureDir, makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const MODEL = fixtureDir('tiny-fp32');

function userError(run: () => unknown): { message: string; hint: string } {
  try {
    run();
  } catch (error) {
    if (isUserError(error)) return { message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error('expected a UserError');
}

const config = (tasks: string, models = `  - {name: fp32, model: ${MODEL}}`): string => `out: /tmp/never-written\nmodels:\n${models}\ntasks:\n${tasks}\n`;

describe('suite config', () => {
  it('reads models and tasks; snake_case keys are the flags of the task command, lists stay lists', () => {
    const parsed = parseSuiteConfig(config(`  - {task: ceval, mode: gen, data_dir: ${BENCHMARKS_DIR}, subjects: [logic, stem], max_out_len: 4}\n  - task: needle\n    lengths: 1k..4k\n    depth_steps: 3`), 'suite.yaml');
    expect(parsed.models.map((m) => [m.name, Object.fromEntries(m.flags)])).toEqual([['fp32', { model: MODEL }]]);
    expect(parsed.tasks[0]?.kind).toBe('ceval');
    expect(Object.fromEntries(parsed.tasks[0]?.flags ?? [])).toEqual({ mode: 'gen', 'data-dir': BENCHMARKS_DIR, subjects: ['logic', 'stem'], 'max-out-len': 4 });
    expect(parsed.tasks[1]?.where).toBe('suite.yaml:6');
    // Parsed by harness ceval's own builder: defaults come with it, exactly as on the command line.
    const args = parseTaskArguments('ceval', flagsToArgv(parsed.tasks[0]?.flags ?? new Map()), 'suite.yaml');
    expect(args).toMatchObject({ mode: 'gen', maxOutLen: 4, subjects: ['logic', 'stem'], batchSize: 8, split: 'val', chat: 'auto' });
  });

  it('accepts exactly the flags each command declares (one source of truth)', () => {
    const ceval = commandOptions(cevalCommand as unknown as CommandModule<object, never>);
    const needle = commandOptions(needleCommand);
    expect([...ceval.keys()]).toEqual(expect.arrayContaining(['mode', 'preset', 'data-dir', 'subjects', 'shots', 'chat', 'max-out-len', 'batch-size', 'limit']));
    expect(needle.get('task')?.choices).toEqual(['single', 'multi-retrieval', 'multi-reasoning', 'multi-key']);
    expect(needle.get('depth-steps')).toMatchObject({ type: 'number', defaultValue: 11 });
    // Every declared ceval flag (bar the ones the suite owns and the model's) is a valid config key.
    const owned = new Set(['out', 'resume', 'report', 'show-prompt', ...modelOptionSpecs().keys()]);
    expect([...owned]).toEqual(expect.arrayContaining(['model', 'weights', 'kv-cache', 'context-length']));
    for (const [flag, spec] of ceval) {
      if (owned.has(flag)) continue;
      const value = spec.choices ? String(spec.choices[0]) : spec.type === 'number' ? 1 : spec.type === 'boolean' ? true : 'x';
      expect(() => parseSuiteConfig(config(`  - {task: ceval, ${flag.replace(/-/g, '_')}: ${JSON.stringify(value)}}`), 'c.yaml'), flag).not.toThrow();
    }
  });

  it('names the file, line and key of every mistake, with a fix', () => {
    const unknown = userError(() => parseSuiteConfig(config('  - {task: ceval, mode: gen}\n  - {task: ceval, max_seq_length: 1024}'), 'suite.yaml'));
    expect(unknown.message).toBe('suite.yaml:6: tasks[1].max_seq_length: not a flag of harness ceval');
    expect(unknown.hint).toContain('max_seq_len');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval, mode: fast}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].mode: "fast" is not one of ppl, gen');
    expect(userError(() => parseSuiteConfig(config('  - {task: needle, depth_steps: many}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].depth_steps: expected a number, got "many"');
    expect(userError(() => parseSuiteConfig(config('  - {task: needle, weights: f16}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].weights: a model option, not a task flag');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval, out: elsewhere}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].out: the suite sets --out itself');
    expect(userError(() => parseSuiteConfig(config('  - {task: mmlu}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].task: "mmlu" is not a task a suite runs');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', '  - {name: a, model: /no/such/model}'), 's.yaml')).message).toBe('s.yaml:3: models[0].model: /no/such/model does not exist');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', '  - {name: a, modle: x}'), 's.yaml')).message).toBe('s.yaml:3: models[0].modle: not a model option');
    expect(userError(() => parseSuiteConfig('models: [\n', 's.yaml')).message).toMatch(/^s\.yaml:2:1: not valid YAML\/JSON/);
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval, subjects: ""}'), 's.yaml')).message).toBe('s.yaml:5: tasks[0].subjects: empty value');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', `  - {name: a, model: ${MODEL}}\n  - {name: a, model: ${MODEL}}`), 's.yaml')).message).toBe('s.yaml:4: models[1] is named "a" like an earlier entry');
  });

  it('reads JSON configs too', () => {
    const parsed = parseSuiteConfig(JSON.stringify({ out: 'x', models: [{ model: MODEL }], tasks: [{ task: 'needle', lengths: '1k', depths: '0,50' }] }), 'suite.json');
    expect(parsed.models[0]?.name).toBe('tiny-fp32');
    expect(Object.fromEntries(parsed.tasks[0]?.flags ?? [])).toEqual({ lengths: '1k', depths: '0,50' });
  });

  const served = `  - {name: fp32, model: ${MODEL}}\n  - {name: served, api_base: "http://127.0.0.1:23333/v1", api_model: internlm2}`;

  it('checks a served model entry', () => {
    const parsed = parseSuiteConfig(config('  - {task: needle, lengths: "256", depths: "0"}', served), 'served.yaml');
    expect(parsed.models[1]).toMatchObject({ name: 'served', apiBase: 'http://127.0.0.1:23333/v1' });
    expect(Object.fromEntries(parsed.models[1]?.flags ?? [])).toEqual({ 'api-base': 'http://127.0.0.1:23333/v1', 'api-model': 'internlm2' });
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', '  - {name: s, api_base: "ftp://x"}'), 's.yaml')).message).toBe('s.yaml:3: models[0].api_base: "ftp://x" is not an http(s) URL');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', `  - {name: s, model: ${MODEL}, api_model: m}`), 's.yaml')).message).toBe('s.yaml:3: models[0].api_model: only meaningful with api_base');
    expect(userError(() => parseSuiteConfig(config('  - {task: ceval}', '  - {api_base: "http://127.0.0.1:1/v1"}'), 's.yaml')).message).toBe('s.yaml:3: models[0]: a served model needs a name');
  });

  it('refuses to resume a suite folder made from another plan', async () => {
    const out = join(makeTempFolder('gnomon-suite-other-'), 'suite');
    const first = parseSuiteConfig(config('  - {task: needle, lengths: "256", depths: "0"}').replace('/tmp/never-written', out), 'first.yaml');
    mkdirSync(out, { recursive: true });
    writeSuiteState(out, {
      schema: SUITE_SCHEMA, config: 'first.yaml', command: 'test', started: 'then', updated: 'then', finished: null, pairs: [],
      plan: { models: [{ name: 'fp32', flags: { model: MODEL } }], tasks: [{ label: 'needle-single', kind: 'needle', flags: { lengths: '512', depths: '0' } }] },
    });
    const failed = await runSuite(first, { command: 'test', log: () => undefined }).then(() => null, (error: unknown) => error);
    expect((failed as Error).message).toBe(`first.yaml: out ${out} holds a suite with other models or tasks (its suite.json was written from first.yaml)`);
  });

  it('reports a bad task value with the config place, through the command\'s own checks', async () => {
    const parsed = parseSuiteConfig(config(`  - {task: ceval, data_dir: ${BENCHMARKS_DIR}, subjects: [no_such_subject]}`), 'bad.yaml');
    const failed = await runSuite(parsed, { command: 'test', log: () => undefined }).then(() => null, (error: unknown) => error);
    expect((failed as Error).message).toBe('bad.yaml:5: tasks[0] (ceval): --subjects: "no_such_subject" is not a C-Eval subject');
    // The command's own check of contradictory flags applies in a suite too.
    const custom = parseSuiteConfig(config(`  - {task: ceval, custom: ${join(import.meta.dirname, '../../../corpora/demo/questions.csv')}, subjects: [logic]}`), 'custom.yaml');
    const refused = await runSuite(custom, { command: 'test', log: () => undefined }).then(() => null, (error: unknown) => error);
    expect((refused as Error).message).toMatch(/^custom\.yaml:5: tasks\[0\] \(ceval\): --custom and --subjects/);
  });
});
