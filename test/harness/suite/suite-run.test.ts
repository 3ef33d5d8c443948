/**
 * A real suite: two fixture checkpoints × three tasks (C-Eval ppl, C-Eval gen, a needle sweep) from one
 * YAML config, run by the compiled CLI in a child process that is SIGKILLed mid-way, then resumed; the
 * table is checked against each run's own records.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModel, type ModelArguments } from '../../../harness/model-options.js';
import { modelOptionSpecs, readSuiteConfig } from '../../../harness/suite/suite-config.js';
import { runSuite } from '../../../harness/suite/suite-run.js';
import { readSuiteState } from '../../../harness/suite/suite-state.js';
import { rebuildRunsIndex } from '../../../reports/suite/runs-index.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { openReport } from '../../helpers/browser.js';
import { fixtureDir, makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const REPO = resolve(import.meta.dirname, '../../..');
let cli = '';

// The CLI compiled to JavaScript (its import closure only), so the suite runs in a plain Node
// process we can SIGKILL as a user's Ctrl-C or an OOM kill would.
beforeAll(() => {
  const outDir = makeTempFolder('gnomon-suite-cli-');
  execFileSync(process.execPath, [
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', outDir, '--rootDir', REPO, '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node,@webgpu/types',
    join(REPO, 'harness', 'cli.ts'),
  ], { stdio: 'pipe' });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  for (const shipped of ['node_modules', 'shaders', 'corpora']) symlinkSync(join(REPO, shipped), join(outDir, shipped));
  cli = join(outDir, 'harness', 'cli.js');
}, 240_000);

const lines = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length : 0);
const jsonl = <T>(file: string): T[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);

function runFolder(pairDir: string): string {
  const [name] = readdirSync(pairDir).filter((n) => existsSync(join(pairDir, n, 'run.json')));
  if (!name) throw new Error(`no run in ${pairDir}`);
  return join(pairDir, name);
}

describe('harness run: a suite of 2 models × 3 tasks', () => {
  it('resumes as a whole after a kill, loads each model once, and its table equals the individual runs', async () => {
    const work = makeTempFolder('gnomon-suite-');
    const out = join(work, 'runs', 'suite');
    const configFile = join(work, 'suite.yaml');
    writeFileSync(configFile, `out: ${out}
models:
  - {name: fp32, model: ${fixtureDir('tiny-fp32')}}
  - {name: bf16, model: ${fixtureDir('tiny-bf16-sharded')}}
tasks:
  - {task: ceval, mode: ppl, data_dir: ${BENCHMARKS_DIR}, subjects: [computer_network], limit: 10, batch_size: 1}
  - {task: ceval, mode: gen, data_dir: ${BENCHMARKS_DIR}, subjects: [computer_network], limit: 3, max_out_len: 4}
  - {task: needle, lengths: "512,640", depths: "0,100", depth_steps: 2}
`);
    // Kill the child once the second model is part-way through its first task.
    const child = spawn(process.execPath, [cli, 'run', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    const bf16Ppl = join(out, 'bf16', 'ceval-ppl');
    const started = Date.now();
    for (;;) {
      const dir = existsSync(bf16Ppl) ? readdirSync(bf16Ppl)[0] : undefined;
      if (dir && lines(join(bf16Ppl, dir, 'records.jsonl')) >= 2) break;
      if (child.exitCode !== null) throw new Error(`child exited before the kill: ${stderr}`);
      if (Date.now() - started > 200_000) throw new Error(`no progress: ${stderr}`);
      await new Promise((done) => setTimeout(done, 10));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toContain('model fp32: loading once for 3 task(s)');

    const killed = readSuiteState(out);
    expect(killed?.pairs.map((p) => `${p.model}/${p.task}:${p.status}`)).toEqual([
      'fp32/ceval-ppl:done', 'fp32/ceval-gen:done', 'fp32/needle-single:done', 'bf16/ceval-ppl:pending', 'bf16/ceval-gen:pending', 'bf16/needle-single:pending',
    ]);
    const partialRun = runFolder(bf16Ppl);
    const before = readFileSync(join(partialRun, 'records.jsonl'), 'utf8');
    const beforeCount = lines(join(partialRun, 'records.jsonl'));
    expect(beforeCount).toBeLessThan(10);
    const fp32Records = readFileSync(join(runFolder(join(out, 'fp32', 'ceval-ppl')), 'records.jsonl'), 'utf8');

    // Running the same config again resumes: only bf16 loads (once, for its three tasks).
    const opened: string[] = [];
    const log: string[] = [];
    const result = await runSuite(readSuiteConfig(configFile), {
      command: `run ${configFile}`, log: (line) => log.push(line),
      openModel: async (args: ModelArguments) => { opened.push(args.model ?? 'demo'); return openModel(args); },
    });
    rebuildRunsIndex(dirname(out));
    expect(opened).toEqual([fixtureDir('tiny-bf16-sharded')]);
    expect(result.ran).toBe(3);
    expect(log).toContain(`resuming suite ${out}: 3 of 6 runs already done`);
    expect(runFolder(bf16Ppl)).toBe(partialRun);
    const after = readFileSync(join(partialRun, 'records.jsonl'), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(lines(join(partialRun, 'records.jsonl'))).toBe(10);
    expect(readFileSync(join(runFolder(join(out, 'fp32', 'ceval-ppl')), 'records.jsonl'), 'utf8')).toBe(fp32Records);
    expect(readSuiteState(out)?.pairs.every((p) => p.status === 'done')).toBe(true);

    // The table against each run's own records, recomputed here.
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(csv[0]).toEqual(['dataset', 'version', 'metric', 'mode', 'fp32', 'bf16', 'notes']);
    const cell = (dataset: string, metric: string, mode: string, model: 'fp32' | 'bf16'): string =>
      csv.find((r) => r[0] === dataset && r[2] === metric && r[3] === mode)?.[model === 'fp32' ? 4 : 5] ?? 'missing';
    for (const model of ['fp32', 'bf16'] as const) {
      for (const mode of ['ppl', 'gen'] as const) {
        const records = jsonl<CevalRecord>(join(runFolder(join(out, model, `ceval-${mode}`)), 'records.jsonl')).filter((r) => r.status === 'ok');
        expect(records.length).toBe(mode === 'ppl' ? 10 : 3);
        expect(cell('ceval-computer_network', 'accuracy', mode, model)).toBe((100 * records.filter((r) => r.correct).length / records.length).toFixed(2));
        // A group with one of its subjects is never a bare number.
        expect(cell('ceval-stem', 'naive_average', mode, model)).toBe('-');
      }
      const cells = jsonl<NeedleRecord>(join(runFolder(join(out, model, 'needle-single')), 'records.jsonl'));
      expect(cells).toHaveLength(4);
      for (const length of [512, 640]) {
        const scores = cells.filter((r) => r.length_target === length && r.status === 'ok').map((r) => r.score ?? 0);
        expect(scores).toHaveLength(2);
        expect(cell(`needle-single-${length}`, 'score', 'gen', model)).toBe((100 * (scores.reduce((s, v) => s + v, 0) / 2)).toFixed(2));
      }
    }
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toContain('fp32: partial 1/20; bf16: partial 1/20');
    expect(result.text).toBe(readFileSync(join(out, 'summary.txt'), 'utf8'));
    expect(readFileSync(join(out, 'summary.md'), 'utf8').split('\n')[0]).toBe('| dataset | version | metric | mode | fp32 | bf16 | notes |');

    // The suite report and the runs index, as a person sees them.
    const report = await openReport(join(out, 'report.html'));
    try {
      const page = report.page;
      expect(await page.locator('#suite-table thead th').allTextContents()).toEqual(['dataset', 'version', 'metric', 'mode', 'fp32', 'bf16']);
      const links = await page.locator('#suite-runs a.run-link').evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
      expect(links).toHaveLength(6);
      for (const link of links) expect(existsSync(new URL(link).pathname)).toBe(true);
      expect(await page.locator('svg.needle-heatmap').count()).toBe(2);
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
    const index = await openReport(join(dirname(out), 'index.html'));
    try {
      expect(await index.page.locator('#runs-table tr.run').count()).toBe(6);
      expect(await index.page.locator('#runs-table tr.run[data-status="finished"]').count()).toBe(6);
      expect(await index.page.locator('#suites-table').textContent()).toContain('finished (6/6)');
      const links = await index.page.locator('#runs-table a').evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
      for (const link of links) expect(existsSync(new URL(link).pathname)).toBe(true);
      expect(index.errors).toEqual([]);
    } finally {
      await index.close();
    }

    // The CLI's hook: a plain `harness ceval` into the same runs folder rebuilds its index.
    execFileSync(process.execPath, [cli, 'ceval', '--model', fixtureDir('tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network', '--limit', '1', '--out', dirname(out)], { stdio: 'pipe' });
    expect(readFileSync(join(dirname(out), 'index.html'), 'utf8').match(/<tr class="run"/g)).toHaveLength(7);
    // `harness run --report OUT` rewrites the table from the runs alone.
    const rewritten = execFileSync(process.execPath, [cli, 'run', '--report', out], { encoding: 'utf8' });
    expect(rewritten.startsWith(result.text)).toBe(true);
  }, 400_000);

  // Served models (--api-base, harness serve) come from another branch: until its model options
  // declare --api-base, suite-config.test.ts checks that a served entry is refused; from then on this
  // runs the same fixture in-process and through harness serve, and their runs must agree record by record.
  it('runs the fixture in-process and through harness serve as two columns with the same records', async () => {
    const work = makeTempFolder('gnomon-suite-served-');
    const server = spawn(process.execPath, [cli, 'serve', '--model', fixtureDir('tiny-fp32'), '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise<string>((done, fail) => {
        let printed = '';
        let errors = '';
        server.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
        server.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          const url = /http:\/\/[^\s]+\/v1/.exec(printed);
          if (url) done(url[0]);
        });
        server.on('exit', (code) => fail(new Error(`harness serve exited with ${code}: ${errors}`)));
      });
      const configFile = join(work, 'served.yaml');
      writeFileSync(configFile, `out: ${join(work, 'suite')}
models:
  - {name: local, model: ${fixtureDir('tiny-fp32')}}
  - {name: served, api_base: "${base}", tokenizer: ${fixtureDir('tiny-fp32')}}
tasks:
  - {task: ceval, mode: ppl, data_dir: ${BENCHMARKS_DIR}, subjects: [computer_network], limit: 4}
  - {task: ceval, mode: gen, data_dir: ${BENCHMARKS_DIR}, subjects: [computer_network], limit: 2, max_out_len: 4}
  - {task: needle, lengths: "512", depths: "0,100", depth_steps: 2}
`);
      const result = await runSuite(readSuiteConfig(configFile), { command: 'test', log: () => undefined });
      expect(result.table.models).toEqual(['local', 'served']);
      for (const row of result.table.rows) expect(row.cells[1]?.text, row.dataset).toBe(row.cells[0]?.text);
      for (const task of ['ceval-ppl', 'ceval-gen', 'needle-single']) {
        const answers = (model: string): unknown[] => jsonl<CevalRecord & NeedleRecord>(join(runFolder(join(work, 'suite', model, task)), 'records.jsonl'))
          .map((r) => (task === 'needle-single' ? [r.key, r.output] : [r.row, r.extracted, r.choices ?? r.output]));
        expect(answers('served'), task).toEqual(answers('local'));
      }
    } finally {
      server.kill();
    }
  }, 300_000);
});
