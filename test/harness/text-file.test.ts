// Issue 17 item 2: the shared UTF-8/binary check every data file goes through (harness/text-file.ts).
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, TextChecker, textProblem } from '../../harness/text-file.js';

// "中文题目，选项" in GBK, from Python: '中文题目，选项'.encode('gbk').hex().
const GBK_TEXT = Buffer.from('d6d0cec4cce2c4bfa3acd1a1cfee', 'hex');

describe('UTF-8 checks on data files', () => {
  it('finds the offset of the first byte that does not decode, and accepts real UTF-8 split anywhere', () => {
    expect(firstInvalidUtf8(Buffer.from('ok 中文', 'utf8')).invalid).toBe(-1);
    expect(textProblem(Buffer.concat([Buffer.from('id,question\n0,'), GBK_TEXT]))).toEqual({ kind: 'not-utf8', offset: 14, byte: 0xd6 });
    expect(textProblem(Buffer.from([0x61, 0x00, 0x62]))).toEqual({ kind: 'binary', offset: 1 });
    // Overlong encodings and surrogates are not UTF-8 either.
    expect(textProblem(Buffer.from([0xc0, 0xaf]))?.kind).toBe('not-utf8');
    expect(textProblem(Buffer.from([0xed, 0xa0, 0x80]))?.kind).toBe('not-utf8');
  });

  it('checks a stream chunk by chunk: a character cut between chunks is fine, a bad byte is found at its file offset', () => {
    const text = Buffer.from('abc中文def', 'utf8');
    const checker = new TextChecker();
    expect(checker.push(text.subarray(0, 4))).toBeUndefined();
    expect(checker.push(text.subarray(4, 8))).toBeUndefined();
    expect(checker.push(text.subarray(8))).toBeUndefined();
    expect(checker.end()).toBeUndefined();
    const damaged = new TextChecker();
    expect(damaged.push(Buffer.from('0123456789'))).toBeUndefined();
    expect(damaged.push(Buffer.concat([Buffer.from('ab'), GBK_TEXT]))).toEqual({ kind: 'not-utf8', offset: 12, byte: 0xd6 });
    // A file that ends inside a character is not UTF-8 either.
    const cut = new TextChecker();
    expect(cut.push(Buffer.from('中', 'utf8').subarray(0, 2))).toBeUndefined();
    expect(cut.end()).toEqual({ kind: 'not-utf8', offset: 0, byte: 0xe4 });
  });
});
