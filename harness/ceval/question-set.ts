/**
 * A question set = subjects, how to load each one's shots and questions, the prompt style and the
 * summary groups. Presets: C-Eval (OpenCompass ceval 5-shot), CMMLU (OpenCompass cmmlu 5-shot), and
 * a user's custom file. The runner and reports see only this shape.
 */
import { basename, extname } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { cmmluSplitFile, loadCmmluMapping, loadCmmluSplit } from './cmmlu.js';
import { loadCustomQuestions, type ColumnMapping } from './custom-set.js';
import { cevalSplitFile, loadCevalSplit, loadSubjectMapping, subjectMappingSource, type ChoiceQuestion } from './dataset.js';
import { CEVAL_PROMPT, CMMLU_PROMPT, CUSTOM_PROMPT, type PromptStyle } from './prompt.js';
import { categoryGroups, type GroupDefinition } from './statistics.js';

export interface SubjectEntry {
  readonly subject: string;
  readonly englishName: string;
  /** The name the prompt uses (Chinese for C-Eval and CMMLU). */
  readonly promptName: string;
  readonly categories: readonly string[];
}

export interface SubjectQuestions {
  /** Few-shot examples (the first rows of the dev split). */
  readonly shots: readonly ChoiceQuestion[];
  readonly questions: readonly ChoiceQuestion[];
}

export interface QuestionSet {
  /** Dataset name in tables: ceval, cmmlu, or the custom set's name. */
  readonly name: string;
  readonly split: string;
  /** Whether the evaluated split has answers (C-Eval test does not). */
  readonly labelled: boolean;
  readonly subjects: readonly SubjectEntry[];
  readonly groups: readonly GroupDefinition[];
  readonly promptStyle: PromptStyle;
  readonly shots: number;
  /** Where the data came from, for run.json. */
  readonly source: string;
  loadSubject(subject: string): SubjectQuestions;
}

/** OpenCompass's ceval-hard summary group. */
export const CEVAL_HARD_SUBJECTS = [
  'advanced_mathematics', 'discrete_mathematics', 'probability_and_statistics', 'college_chemistry',
  'college_physics', 'high_school_mathematics', 'high_school_chemistry', 'high_school_physics',
] as const;

/**
 * The first `shots` rows of a dev split as examples. A split with fewer rows is refused (run.json
 * would say 5-shot while fewer were used), and so is an example with an empty question or option:
 * it would damage the prompt of every question of the subject.
 */
export function takeShots(dev: readonly ChoiceQuestion[], shots: number, file: string): ChoiceQuestion[] {
  if (dev.length < shots) {
    throw new UserError(
      `${file}: --shots ${shots} needs ${shots} example rows, but the file has ${dev.length}`,
      `pass --shots ${dev.length} (or fewer) for this subject, or restore the dev file from the dataset release`,
    );
  }
  const taken = dev.slice(0, shots);
  const damaged = taken.find((q) => q.problem !== undefined);
  if (damaged) throw new UserError(`${damaged.problem ?? file} (an example row used in every prompt)`, 'fix the row in the dev file, or lower --shots so it is not used');
  return taken;
}

function selectSubjects(all: readonly SubjectEntry[], requested: readonly string[] | undefined, setName: string): SubjectEntry[] {
  if (!requested || requested.length === 0) return [...all];
  const known = new Map(all.map((s) => [s.subject, s]));
  return requested.map((name) => {
    const entry = known.get(name);
    if (!entry) {
      const close = all.filter((s) => s.subject.includes(name) || name.includes(s.subject)).map((s) => s.subject);
      throw new UserError(
        `--subjects: "${name}" is not a ${setName} subject`,
        close.length > 0 ? `did you mean ${close.slice(0, 3).join(', ')}?` : `subjects are ${all.map((s) => s.subject).slice(0, 6).join(', ')}, … (${all.length} in all)`,
      );
    }
    return entry;
  });
}

export function cevalQuestionSet(dataDir: string, split: 'val' | 'test' | 'dev', subjects?: readonly string[], shots = 5): QuestionSet {
  const all = loadSubjectMapping(dataDir).map((s) => ({ subject: s.subject, englishName: s.englishName, promptName: s.chineseName, categories: [s.category] }));
  const chosen = selectSubjects(all, subjects, 'C-Eval');
  const everySubject = all.map((s) => s.subject);
  return {
    name: 'ceval',
    split,
    labelled: split !== 'test',
    subjects: chosen,
    groups: [
      ...categoryGroups('ceval', all),
      { name: 'ceval-hard', subjects: [...CEVAL_HARD_SUBJECTS] },
      { name: 'ceval', subjects: everySubject },
    ],
    promptStyle: CEVAL_PROMPT,
    shots,
    source: `${dataDir}/ceval/formal_ceval (subjects: ${subjectMappingSource(dataDir)})`,
    loadSubject: (subject) => ({
      shots: shots > 0 ? takeShots(loadCevalSplit(dataDir, subject, 'dev'), shots, cevalSplitFile(dataDir, subject, 'dev')) : [],
      questions: loadCevalSplit(dataDir, subject, split),
    }),
  };
}

export function cmmluQuestionSet(dataDir: string, subjects?: readonly string[], shots = 5): QuestionSet {
  const mapping = loadCmmluMapping(dataDir);
  const all = mapping.map((s) => ({ subject: s.subject, englishName: s.subject.replace(/_/g, ' '), promptName: s.chineseName, categories: s.categories }));
  return {
    name: 'cmmlu',
    split: 'test',
    labelled: true,
    subjects: selectSubjects(all, subjects, 'CMMLU'),
    groups: [...categoryGroups('cmmlu', all), { name: 'cmmlu', subjects: all.map((s) => s.subject) }],
    promptStyle: CMMLU_PROMPT,
    shots,
    source: `${dataDir}/cmmlu`,
    loadSubject: (subject) => ({
      shots: shots > 0 ? takeShots(loadCmmluSplit(dataDir, subject, 'dev'), shots, cmmluSplitFile(dataDir, subject, 'dev')) : [],
      questions: loadCmmluSplit(dataDir, subject, 'test'),
    }),
  };
}

/**
 * A custom file as one subject. With `shots` > 0 the first rows serve as examples and are not
 * evaluated (a custom set has no separate dev split).
 */
export function customQuestionSet(file: string, mapping: ColumnMapping, name?: string, shots = 0): QuestionSet {
  const setName = name ?? basename(file, extname(file));
  const questions = loadCustomQuestions(file, setName, mapping);
  if (shots >= questions.length) {
    throw new UserError(`${file}: --shots ${shots} leaves no questions to evaluate (${questions.length} in the file)`, 'lower --shots');
  }
  return {
    name: setName,
    split: 'custom',
    labelled: true,
    subjects: [{ subject: setName, englishName: setName, promptName: setName, categories: [] }],
    groups: [],
    promptStyle: CUSTOM_PROMPT,
    shots,
    source: file,
    loadSubject: () => ({ shots: takeShots(questions, shots, file), questions: questions.slice(shots) }),
  };
}
