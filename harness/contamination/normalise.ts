/**
 * Text normalisation for n-gram overlap: the same function turns benchmark items and corpus text
 * into "units", so that a match means the same words in the same order whatever the casing,
 * punctuation, full-width forms or spacing.
 *
 * Steps: Unicode NFKC (full-width letters and punctuation become their ASCII forms), lowercase,
 * every punctuation or symbol character (ASCII and CJK: \p{P}, \p{S}) becomes a space, whitespace
 * collapses. Units are then:
 *  - words: maximal runs of non-space characters, for space-separated scripts (Latin, Cyrillic,
 *    Hangul, digits);
 *  - single characters for Chinese and Japanese (Han, Hiragana, Katakana, Bopomofo), which are
 *    written without spaces. "13 words" in the GPT-3 rule is therefore 13 characters of Chinese text.
 * Token-level coverage is measured in these same units.
 */

const CJK_CHARACTERS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Bopomofo}';
const UNIT_PATTERN = new RegExp(`[${CJK_CHARACTERS}]|[^\\s${CJK_CHARACTERS}]+`, 'gu');
const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]/gu;
const CJK_CHARACTER = new RegExp(`[${CJK_CHARACTERS}]`, 'u');

/** NFKC, lowercase, punctuation and symbols to spaces (whitespace is collapsed by `textUnits`). */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(PUNCTUATION_OR_SYMBOL, ' ');
}

/** Units of already folded text (see `foldText`), with their start offsets in that text. */
export function* foldedUnits(folded: string): Generator<{ unit: string; index: number }> {
  const pattern = new RegExp(UNIT_PATTERN.source, 'gu');
  for (let match = pattern.exec(folded); match !== null; match = pattern.exec(folded)) {
    yield { unit: match[0], index: match.index };
  }
}

/** The normalised units of a text: words, and single characters for CJK. */
export function textUnits(text: string): string[] {
  return foldText(text).match(new RegExp(UNIT_PATTERN.source, 'gu')) ?? [];
}

/** The normalised text: units joined by single spaces. */
export function normaliseText(text: string): string {
  return textUnits(text).join(' ');
}

/** Whether a character is one that forms a unit on its own (CJK). */
export function isCjkCharacter(character: string): boolean {
  return CJK_CHARACTER.test(character);
}
