/**
 * Numbers as the judges' Python parsers read them. Python's `\d` matches every Unicode decimal digit
 * (fullwidth `６`, Arabic-Indic `٦`, …) and `int()`/`float()` accept them, so AlignBench reads
 * `'综合得分': ６` as 6; JavaScript's `\d` is ASCII only. These helpers give the regexes Python's
 * digit class and convert the matched text to the value Python would get.
 */

/** Python 3's `\d` in a str pattern (use with the `u` flag). */
export const PYTHON_DIGIT = '\\p{Nd}';

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * Value of one decimal digit character. Unicode encodes each set of decimal digits as a contiguous
 * run of ten code points from 0 to 9 (a stability guarantee), and adjacent runs (the mathematical
 * digits) start on multiples of ten from the first, so the offset from the start of the run gives it.
 */
function digitValue(char: string): number {
  const code = char.codePointAt(0) as number;
  let start = code;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (code - start) % 10;
}

/** Unicode decimal digits (and '.', '-') → their ASCII spelling. */
export function asciiDigits(text: string): string {
  return Array.from(text, (char) => (DECIMAL_DIGIT.test(char) ? String(digitValue(char)) : char)).join('');
}

/** Python's `int(text)` for a run of decimal digits. */
export function pythonInt(text: string): number {
  return Number.parseInt(asciiDigits(text), 10);
}

/** Python's `float(text)` for digits with an optional fractional part. */
export function pythonFloat(text: string): number {
  return Number.parseFloat(asciiDigits(text));
}
