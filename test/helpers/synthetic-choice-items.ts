/**
 * Seeded synthetic multiple-choice items (pseudo-words from a fixed syllable set) for contamination
 * tests: two calls with different seeds give "members" and "non-members" of the same kind, so only
 * what a model memorised can tell them apart.
 */
import seedrandom from 'seedrandom';
import type { ContaminationItem } from '../../harness/contamination/items.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'sa', 're', 'to', 'vi', 'pe', 'du', 'gan', 'shi', 'zhe', 'wen', 'li'];

export function syntheticChoiceItems(count: number, seed: string, subject: string): ContaminationItem[] {
  const random = seedrandom(seed);
  const word = (): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join('');
  const phrase = (n: number): string => Array.from({ length: n }, word).join(' ');
  return Array.from({ length: count }, (_, row) => ({
    key: `${subject}-${row}`, id: String(row), subject, row,
    question: `${phrase(12)}?`,
    choices: { A: phrase(3), B: phrase(3), C: phrase(3), D: phrase(3) },
    answer: (['A', 'B', 'C', 'D'] as const)[Math.floor(random() * 4)],
  }));
}

/** The items as a question,A,B,C,D,answer CSV file body. */
export function choiceItemsCsv(items: readonly ContaminationItem[]): string {
  const cell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = items.map((item) => [item.id, item.question, item.choices?.A ?? '', item.choices?.B ?? '', item.choices?.C ?? '', item.choices?.D ?? '', item.answer ?? ''].map(cell).join(','));
  return `id,question,A,B,C,D,answer\n${rows.join('\n')}\n`;
}
