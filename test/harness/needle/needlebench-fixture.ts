/**
 * A NeedleBench data folder in OpenCompassData's layout for tests (DIR/needlebench/…):
 * - needles.jsonl, names.json and multi_needle_reasoning_{en,zh}.json: the project's own needles,
 *   names and reasoning chains in NeedleBench's schemas
 *   (data/needlebench/; NeedleBench's own files are not available here);
 * - PaulGrahamEssays.jsonl: built here from the 49 essays in shared/benchmarks (one {"text": essay} a
 *   line, essays in file-name order) — NeedleBench's own PaulGrahamEssays.jsonl is not available;
 * - zh_finance.jsonl: NeedleBench's real Chinese haystack, copied from shared/benchmarks.
 * The expected prompts in data/needlebench-prompts.json were rendered from this same folder.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

export function makeNeedleBenchDataDir(): string {
  const dir = makeTempFolder('gnomon-needlebench-');
  const folder = join(dir, 'needlebench');
  mkdirSync(folder);
  copyFileSync(new URL('./data/needlebench/needles.jsonl', import.meta.url), join(folder, 'needles.jsonl'));
  copyFileSync(new URL('./data/needlebench/names.json', import.meta.url), join(folder, 'names.json'));
  for (const language of ['en', 'zh']) {
    const name = `multi_needle_reasoning_${language}.json`;
    copyFileSync(new URL(`./data/needlebench/${name}`, import.meta.url), join(folder, name));
  }
  const essays = join(BENCHMARKS_DIR, 'needlebench/PaulGrahamEssays_txt');
  const lines = readdirSync(essays).filter((name) => name.endsWith('.txt')).sort().map((name) => JSON.stringify({ text: readFileSync(join(essays, name), 'utf8') }));
  writeFileSync(join(folder, 'PaulGrahamEssays.jsonl'), `${lines.join('\n')}\n`);
  copyFileSync(join(BENCHMARKS_DIR, 'needlebench/zh_finance.jsonl'), join(folder, 'zh_finance.jsonl'));
  return dir;
}
