// Issue 17 items 2, 5 and 10 (corpus side): every data file must be UTF-8 text. A GBK C-Eval CSV,
// a GBK custom JSONL, a GBK reference .txt and a GBK corpus are refused naming the file, the first
// bad byte's offset and the iconv fix; a binary corpus file inside a folder is skipped and counted
// (refused when named on its own); what a corpus folder can hold that gnomon cannot read — a
// dangling link, a link loop, a FIFO — is a two-line error or a counted skip, never a stack trace.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/errors.js';
import { loadCevalSplit } from '../../../harness/ceval/dataset.js';
import { loadItemFile } from '../../../harness/contamination/items.js';
import { BenchmarkNgramIndex } from '../../../harness/contamination/ngram-index.js';
import { listCorpusFiles, scanCorpus } from '../../../harness/contamination/corpus-scan.js';
import { BENCHMARKS_DIR, temporaryDirectory } from '../ceval/ceval-data-fixture.js';

// "中文题目，选项" in GBK, from Python: '中文题目，选项'.encode('gbk').hex().
const GBK_TEXT = Buffer.from('d6d0cec4cce2c4bfa3acd1a1cfee', 'hex');

function userError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isUserError(error), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error('no error');
}

async function userErrorAsync(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    expect(isUserError(error), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error('no error');
}

describe('UTF-8 checks on data files', () => {
  it('a GBK C-Eval CSV is refused with the file, the offset and the iconv fix (not scored as replacement characters)', () => {
    const dataDir = temporaryDirectory('gnomon-gbk-');
    const val = join(dataDir, 'ceval', 'formal_ceval', 'val');
    mkdirSync(val, { recursive: true });
    cpSync(join(BENCHMARKS_DIR, 'ceval', 'subject_mapping.json'), join(dataDir, 'ceval', 'subject_mapping.json'));
    const file = join(val, 'logic_val.csv');
    writeFileSync(file, Buffer.concat([Buffer.from('id,question,A,B,C,D,answer\n0,'), GBK_TEXT, Buffer.from(',a,b,c,d,A\n')]));
    const error = userError(() => loadCevalSplit(dataDir, 'logic', 'val'));
    expect(error.message).toBe(`${file}: not UTF-8 text: byte 0xD6 at offset 29 does not decode (GBK/GB18030 files look like this); a question file must be UTF-8`);
    expect((error as unknown as { hint: string }).hint).toBe(`convert it, e.g. iconv -f GB18030 -t UTF-8 '${file}' > converted.csv, and use the converted file`);
  });

  it('GBK custom JSONL and reference .txt files are refused the same way', () => {
    const dir = temporaryDirectory('gnomon-gbk-items-');
    const jsonl = join(dir, 'set.jsonl');
    writeFileSync(jsonl, Buffer.concat([Buffer.from('{"question":"'), GBK_TEXT, Buffer.from('","A":"a","B":"b","C":"c","D":"d","answer":"A"}\n')]));
    expect(userError(() => loadItemFile(jsonl, '--dataset')).message).toContain(`${jsonl}: not UTF-8 text: byte 0xD6 at offset 13`);
    const txt = join(dir, 'reference.txt');
    writeFileSync(txt, Buffer.concat([Buffer.from('first line\n'), GBK_TEXT]));
    expect(userError(() => loadItemFile(txt, '--reference')).message).toContain(`${txt}: not UTF-8 text: byte 0xD6 at offset 11`);
  });
});

describe('corpus folders', () => {
  const question = '使用位填充方法，以01111110为位首flag，数据为011011111111111111110010，求问传送时要添加几个0____';

  it('a binary file in a corpus folder is skipped and counted, not scanned as text; named on its own it is refused', async () => {
    const dir = temporaryDirectory('gnomon-binary-corpus-');
    writeFileSync(join(dir, 'web.txt'), `转载：${question}\n`);
    // A gzip stream renamed .txt: what a careless download leaves in a corpus folder.
    const binary = join(dir, 'dump.txt');
    writeFileSync(binary, execFileSync('gzip', ['-c'], { input: `${question}\n`.repeat(50) }));
    const index = new BenchmarkNgramIndex([question]);
    const stats = await scanCorpus(index, [dir], { jsonlField: 'text' });
    expect(stats.files.map((f) => f.file)).toEqual([join(dir, 'web.txt')]);
    expect(stats.skippedBinary.map((s) => s.file)).toEqual([binary]);
    expect(index.overlaps()[0]?.label).toBe('dirty');
    const error = await userErrorAsync(() => scanCorpus(new BenchmarkNgramIndex([question]), [binary], { jsonlField: 'text' }));
    expect(error.message).toMatch(new RegExp(`^${binary}: a binary file, not UTF-8 text \\(NUL byte at offset \\d+\\); a corpus file must be text$`));
  });

  it('a GBK corpus file is refused naming its first bad byte', async () => {
    const dir = temporaryDirectory('gnomon-gbk-corpus-');
    const file = join(dir, 'web.txt');
    writeFileSync(file, Buffer.concat([Buffer.from('plain ascii\n'), GBK_TEXT]));
    const error = await userErrorAsync(() => scanCorpus(new BenchmarkNgramIndex([question]), [dir], { jsonlField: 'text' }));
    expect(error.message).toBe(`${file}: not UTF-8 text: byte 0xD6 at offset 12 does not decode (GBK/GB18030 files look like this); a corpus file must be UTF-8`);
  });

  it('a symbolic-link loop, a link to a folder above, and a dangling link are two-line errors naming the path', () => {
    // Tests run as root here, so chmod 000 cannot make a file unreadable: links that cannot be followed can.
    const loop = temporaryDirectory('gnomon-loop-');
    writeFileSync(join(loop, 'a.txt'), 'text\n');
    symlinkSync(join(loop, 'b.txt'), join(loop, 'c.txt'));
    symlinkSync(join(loop, 'c.txt'), join(loop, 'b.txt'));
    expect(userError(() => listCorpusFiles([loop])).message).toBe(`${join(loop, 'b.txt')}: symbolic link loop (listing the corpus)`);

    const up = temporaryDirectory('gnomon-up-');
    mkdirSync(join(up, 'inner'));
    writeFileSync(join(up, 'inner', 'a.txt'), 'text\n');
    symlinkSync(up, join(up, 'inner', 'back'));
    expect(userError(() => listCorpusFiles([up])).message).toContain(`--corpus: ${join(up, 'inner', 'back')} is a symbolic link loop`);

    const dangling = temporaryDirectory('gnomon-dangling-');
    writeFileSync(join(dangling, 'a.txt'), 'text\n');
    symlinkSync(join(dangling, 'gone.txt'), join(dangling, 'link.txt'));
    expect(userError(() => listCorpusFiles([dangling])).message).toBe(`${join(dangling, 'link.txt')}: no such file or folder (listing the corpus)`);
  });

  it('a FIFO in a corpus folder is skipped and counted (reading it would block forever); named on its own it is refused', () => {
    const dir = temporaryDirectory('gnomon-fifo-');
    writeFileSync(join(dir, 'a.txt'), 'text\n');
    execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
    const listing = listCorpusFiles([dir]);
    expect(listing.files.map((f) => f.file)).toEqual([join(dir, 'a.txt')]);
    expect(listing.notRegular).toEqual([join(dir, 'pipe.txt')]);
    expect(userError(() => listCorpusFiles([join(dir, 'pipe.txt')])).message).toContain('not a regular file');
  });
});
