/**
 * GPT-4's tokenizer (tiktoken's cl100k_base), which NeedleBench counts lengths and cuts haystacks
 * in (`tiktoken.encoding_for_model('gpt-4')`). js-tiktoken ships the ranks in the package, so this
 * works offline; test/harness/needle/needlebench-prompts.test.ts checks it against tiktoken's own
 * test vectors.
 *
 * One fix: tiktoken's pre-tokenizer regex runs in Rust, where `\s` is Unicode White_Space; in
 * JavaScript `\s` leaves out U+0085 (NEL) and adds U+FEFF, so js-tiktoken splits " \x850" into
 * other tokens than tiktoken (tiktoken's test expects [220, 126, 227, 15]). The pattern is
 * rewritten with White_Space spelled out.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

/** Unicode White_Space, as Rust's regex `\s` matches it. */
const WHITE_SPACE = '\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** cl100k's pattern with every `\s` / `\S` replaced by explicit White_Space classes. */
export function rustWhitespacePattern(pattern: string): string {
  return pattern
    .replace(/\[\^\\s/g, `[^${WHITE_SPACE}`)
    .replace(/\\s/g, `[${WHITE_SPACE}]`)
    .replace(/\\S/g, `[^${WHITE_SPACE}]`);
}

let encoding: Tiktoken | undefined;

function cl100k(): Tiktoken {
  encoding ??= new Tiktoken({ ...cl100kBase, pat_str: rustWhitespacePattern(cl100kBase.pat_str) });
  return encoding;
}

/** `enc.encode(text)`: special-token text is refused, as tiktoken's default `disallowed_special='all'` does. */
export function encodeCl100k(text: string): number[] {
  return cl100k().encode(text);
}

/**
 * `enc.decode(tokens)`: the tokens' bytes decoded as UTF-8 with errors='replace' — a cut through a
 * multi-byte character becomes U+FFFD, exactly as NeedleBench's token-level cuts produce.
 */
export function decodeCl100k(tokens: readonly number[]): string {
  return cl100k().decode([...tokens]);
}
