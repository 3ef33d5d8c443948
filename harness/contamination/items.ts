/**
 * What the contamination checks examine: benchmark items (C-Eval questions through the loader of
 * `harness ceval`, or a user's question file) and reference items (paraphrased or freshly written
 * items of the same kind). Items are keyed `<subject>-<row>` (0-based data row), the key format of
 * Contamination_Detector's annotation files, so imported clean/dirty labels line up.
 */
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { CHOICE_LETTERS, loadCevalSplit, loadSubjectMapping, type ChoiceLetter, type ChoiceQuestion, type CevalSplit } from '../ceval/dataset.js';
import { loadCustomQuestions, parseColumnMapping } from '../ceval/custom-set.js';
import { readUtf8File } from '../text-file.js';

export interface ContaminationItem {
  /** `<subject>-<row>`: unique within a set. */
  readonly key: string;
  readonly id: string;
  readonly subject: string;
  readonly row: number;
  readonly question: string;
  /** Absent for plain-text items (one line of a .txt reference file). */
  readonly choices: Readonly<Record<ChoiceLetter, string>> | undefined;
  readonly answer: ChoiceLetter | undefined;
}

export function fromChoiceQuestion(question: ChoiceQuestion): ContaminationItem {
  return {
    key: `${question.subject}-${question.row}`,
    id: question.id,
    subject: question.subject,
    row: question.row,
    question: question.question,
    choices: question.choices,
    answer: question.answer,
  };
}

/** Text for n-gram overlap: the question and the option texts, without the letters (which corpora format differently). */
export function overlapText(item: ContaminationItem): string {
  return item.choices ? [item.question, ...CHOICE_LETTERS.map((letter) => item.choices?.[letter] ?? '')].join('\n') : item.question;
}

/** Options in a given letter order, as a C-Eval item is usually printed: `A. …\nB. …`. */
export function renderOptions(choices: Readonly<Record<ChoiceLetter, string>>, order: readonly ChoiceLetter[]): string {
  return order.map((source, position) => `${CHOICE_LETTERS[position] ?? '?'}. ${choices[source]}`).join('\n');
}

/** Text the likelihood probes score: the question, then its options in their original order. */
export function probeText(item: ContaminationItem): string {
  return item.choices ? `${item.question}\n${renderOptions(item.choices, CHOICE_LETTERS)}` : item.question;
}

export interface CevalSelection {
  readonly dataDir: string;
  readonly split: CevalSplit;
  /** Empty: all 52 subjects. */
  readonly subjects: readonly string[];
}

export function loadCevalItems(selection: CevalSelection): ContaminationItem[] {
  const known = loadSubjectMapping(selection.dataDir).map((s) => s.subject);
  for (const subject of selection.subjects) {
    if (!known.includes(subject)) throw new UserError(`--subjects: "${subject}" is not a C-Eval subject`, `subjects are named like ${known.slice(0, 3).join(', ')} (see subject_mapping.json)`);
  }
  const subjects = selection.subjects.length > 0 ? selection.subjects : known;
  return subjects.flatMap((subject) => loadCevalSplit(selection.dataDir, subject, selection.split).map(fromChoiceQuestion));
}

/**
 * Loads a question file: CSV or JSONL with question,A,B,C,D,answer (the custom-set format of
 * `harness ceval`), or .txt with one plain-text item per non-empty line. The subject is the file's
 * base name.
 */
export function loadItemFile(file: string, flag: string): ContaminationItem[] {
  if (!existsSync(file)) throw new UserError(`${flag} ${file}: file not found`, 'pass a .csv or .jsonl file with question,A,B,C,D,answer, or a .txt file with one item per line');
  const subject = basename(file, extname(file));
  if (extname(file).toLowerCase() === '.txt') {
    const items: ContaminationItem[] = [];
    readUtf8File(file, `${flag} file`).split('\n').forEach((line) => {
      if (line.trim() === '') return;
      const row = items.length;
      items.push({ key: `${subject}-${row}`, id: String(row), subject, row, question: line.trim(), choices: undefined, answer: undefined });
    });
    if (items.length === 0) throw new UserError(`${flag} ${file}: no items (every line is empty)`, 'write one item per line');
    return items;
  }
  return loadCustomQuestions(file, subject, parseColumnMapping(undefined)).map(fromChoiceQuestion);
}
