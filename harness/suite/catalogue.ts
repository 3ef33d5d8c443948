/**
 * What exists, for `harness list`: datasets in a data folder (C-Eval, CMMLU, custom question files)
 * with counts, their subjects with Chinese names, categories and questions per split, the presets
 * and prompt styles, the tasks a suite runs, and haystacks. Every table is read from the files and
 * the code's own declarations; nothing here is a second list to keep in step.
 */
import { COMPAT_MODES } from '../ceval/opencompass/compat.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isUserError } from '../../engine/language-model.js';
import { loadCevalSplit, loadSubjectMapping, cevalDirectory, type CevalSplit } from '../ceval/dataset.js';
import { loadCmmluMapping, loadCmmluSplit } from '../ceval/cmmlu.js';
import { loadCustomQuestions, parseColumnMapping } from '../ceval/custom-set.js';
import { CEVAL_PROMPT, CMMLU_PROMPT, CUSTOM_PROMPT } from '../ceval/prompt.js';
import { CEVAL_HARD_SUBJECTS } from '../ceval/question-set.js';
import { subjectGroups } from '../ceval/subject-groups.js';
import { corporaDirectory, splitSentences, detectLanguage } from '../needle/haystack.js';
import { TASK_KINDS } from '../needle/tasks.js';
import { SUITE_TASK_KINDS } from './suite-tasks.js';

export interface Listing {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
}

function count<T>(load: () => readonly T[]): string {
  try {
    return String(load().length);
  } catch (error) {
    if (isUserError(error)) return 'error';
    throw error;
  }
}

const cevalPresent = (dataDir: string): boolean => existsSync(cevalDirectory(dataDir));
const cmmluPresent = (dataDir: string): boolean => existsSync(join(dataDir, 'cmmlu', 'test'));

/** The --subjects group names a subject belongs to (besides `all`). */
function groupsOf(groups: ReadonlyMap<string, readonly string[]>, subject: string): string {
  return [...groups].filter(([name, members]) => name !== 'all' && members.includes(subject)).map(([name]) => name).join(' ');
}

/** C-Eval and CMMLU subjects: one row per subject with questions per split. */
export function subjectListing(dataDir: string): Listing {
  const rows: string[][] = [];
  const notes: string[] = [];
  if (cevalPresent(dataDir)) {
    const subjects = loadSubjectMapping(dataDir);
    const groups = subjectGroups(subjects.map((s) => ({ subject: s.subject, englishName: s.englishName, promptName: s.chineseName, categories: [s.category] })), CEVAL_HARD_SUBJECTS);
    for (const s of subjects) {
      const splits = (['dev', 'val', 'test'] as CevalSplit[]).map((split) => count(() => loadCevalSplit(dataDir, s.subject, split)));
      rows.push(['ceval', s.subject, s.chineseName, s.category, ...splits, groupsOf(groups, s.subject)]);
    }
    notes.push(`C-Eval groups for --subjects: ${[...groups].map(([name, members]) => `${name} (${members.length})`).join(', ')}`);
  }
  if (cmmluPresent(dataDir)) {
    const subjects = loadCmmluMapping(dataDir);
    const groups = subjectGroups(subjects.map((s) => ({ subject: s.subject, englishName: s.subject, promptName: s.chineseName, categories: s.categories })), []);
    for (const s of subjects) rows.push(['cmmlu', s.subject, s.chineseName, s.categories.join(' + '), count(() => loadCmmluSplit(dataDir, s.subject, 'dev')), '-', count(() => loadCmmluSplit(dataDir, s.subject, 'test')), groupsOf(groups, s.subject)]);
    notes.push(`CMMLU groups for --subjects (with --preset cmmlu): ${[...groups].map(([name, members]) => `${name} (${members.length})`).join(', ')}`);
  }
  if (rows.length === 0) notes.push(`no C-Eval (${cevalDirectory(dataDir)}) or CMMLU (${join(dataDir, 'cmmlu')}) in ${dataDir}; pass --data-dir`);
  return { title: `subjects in ${dataDir}`, header: ['set', 'subject', 'name', 'category', 'dev', 'val', 'test', 'groups'], rows, notes };
}

/** Question files directly in the data folder (or its custom/ folder) that `harness ceval --custom` reads. */
function customSets(dataDir: string): string[][] {
  const folders = [dataDir, join(dataDir, 'custom')].filter((dir) => existsSync(dir) && statSync(dir).isDirectory());
  return folders.flatMap((dir) => readdirSync(dir).sort()
    .filter((name) => ['.csv', '.jsonl'].includes(extname(name)) && statSync(join(dir, name)).isFile())
    .map((name) => {
      const file = join(dir, name);
      try {
        const questions = loadCustomQuestions(file, basename(name, extname(name)), parseColumnMapping(undefined));
        return [basename(name, extname(name)), 'custom (--custom FILE)', '1', `${questions.length} questions`, file];
      } catch (error) {
        if (!isUserError(error)) throw error;
        return [basename(name, extname(name)), 'not a question file', '-', error.message.split(': ').slice(1).join(': ').slice(0, 60), file];
      }
    }));
}

export function datasetListing(dataDir: string): Listing {
  const rows: string[][] = [];
  const total = (listing: Listing, set: string, column: number): number => listing.rows.filter((r) => r[0] === set).reduce((sum, r) => sum + (Number(r[column]) || 0), 0);
  const subjects = subjectListing(dataDir);
  if (cevalPresent(dataDir)) {
    const n = subjects.rows.filter((r) => r[0] === 'ceval').length;
    rows.push(['ceval', 'C-Eval (--preset ceval)', String(n), `dev ${total(subjects, 'ceval', 4)}, val ${total(subjects, 'ceval', 5)}, test ${total(subjects, 'ceval', 6)}`, cevalDirectory(dataDir)]);
  }
  if (cmmluPresent(dataDir)) {
    const n = subjects.rows.filter((r) => r[0] === 'cmmlu').length;
    rows.push(['cmmlu', 'CMMLU (--preset cmmlu)', String(n), `dev ${total(subjects, 'cmmlu', 4)}, test ${total(subjects, 'cmmlu', 6)}`, join(dataDir, 'cmmlu')]);
  }
  rows.push(...customSets(dataDir));
  return { title: `datasets in ${dataDir}`, header: ['name', 'kind', 'subjects', 'questions', 'where'], rows, notes: rows.length === 0 ? [`nothing gnomon reads in ${dataDir}; pass --data-dir`] : [] };
}

export function presetListing(): Listing {
  return {
    title: 'presets (harness ceval --preset, or --custom FILE)',
    header: ['preset', 'prompt style', 'shots', 'split', 'data'],
    rows: [
      ['ceval', CEVAL_PROMPT.id, '5 (first dev rows)', 'val (test: submission.json)', 'DATA/ceval/formal_ceval/{dev,val,test}/*.csv'],
      ['cmmlu', CMMLU_PROMPT.id, '5 (first dev rows)', 'test', 'DATA/cmmlu/{dev,test}/*.csv'],
      ['custom', CUSTOM_PROMPT.id, '0 (--shots K uses the first K rows)', 'the whole file', '--custom FILE (.csv or .jsonl)'],
    ],
    notes: [
      `compat profiles: harness ceval --compat ${COMPAT_MODES.join(' | ')} (OpenCompass 0.2.4 or current: prompts, ppl rule, shot dropping, extractor, version hashes)`,
      'harness needle --compat needlebench --needlebench-version v1|v2 (OpenCompass NeedleBench: templates, data layout, cl100k lengths, scorers)',
    ],
  };
}

export function taskListing(): Listing {
  const rows: string[][] = [
    ['ceval', 'harness ceval', 'yes', 'modes ppl, gen; presets ceval, cmmlu, custom'],
    ['needle', 'harness needle', 'yes', `tasks ${TASK_KINDS.join(', ')}`],
    ['contamination', 'harness contamination', 'no', 'probes ngram, likelihood, option-order'],
  ];
  return {
    title: 'tasks',
    header: ['task', 'command', 'in a suite', 'variants'],
    rows: rows.map((row) => [row[0] ?? '', row[1] ?? '', (SUITE_TASK_KINDS as readonly string[]).includes(row[0] ?? '') ? 'yes' : 'no', row[3] ?? '']),
    notes: ['a suite entry takes the flags of its command as keys: harness ceval --help, harness needle --help'],
  };
}

function haystackRow(name: string, file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [name, detectLanguage(text), String([...text].length), String(splitSentences(text).length), file];
}

export function haystackListing(dataDir: string): Listing {
  const corpora = corporaDirectory();
  const rows = [haystackRow('en', join(corpora, 'en.txt')), haystackRow('zh', join(corpora, 'zh.txt'))];
  // Text files in the data folder's needlebench/ (OpenCompass's PaulGrahamEssays) work as --haystack FILE.
  const needlebench = join(dataDir, 'needlebench');
  if (existsSync(needlebench)) {
    const visit = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) visit(path);
        else if (extname(name) === '.txt') rows.push(haystackRow(basename(name), path));
      }
    };
    visit(needlebench);
  }
  return { title: 'haystacks (harness needle --haystack en | zh | FILE)', header: ['haystack', 'language', 'characters', 'sentences', 'file'], rows, notes: [] };
}

/** Case-insensitive patterns with * and ?; a row matches when any cell matches any pattern. */
export function filterListing(listing: Listing, patterns: readonly string[]): Listing {
  if (patterns.length === 0) return listing;
  const expressions = patterns.map((p) => new RegExp(p.includes('*') || p.includes('?') ? `^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$` : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
  return { ...listing, rows: listing.rows.filter((row) => row.some((cell) => expressions.some((e) => e.test(cell)))) };
}
