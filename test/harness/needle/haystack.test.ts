import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import { CORPUS_RECIPES, generateFillerText } from '../../../harness/needle/filler-text.js';
import { corporaDirectory, detectLanguage, loadHaystack, splitSentences } from '../../../harness/needle/haystack.js';

describe('haystack sentences', () => {
  it('splits after .!? followed by space, never inside numbers or abbreviations without a space', () => {
    const text = 'Pi is 3.14 today. Really?! Yes… "Quoted." Last words';
    const sentences = splitSentences(text);
    expect(sentences).toEqual(['Pi is 3.14 today.', ' Really?!', ' Yes… "Quoted."', ' Last words']);
    expect(sentences.join('')).toBe(text);
  });

  it('splits Chinese after 。！？ with closing quotes kept', () => {
    const text = '他说：“走吧。”我们出发了！真的吗？好';
    expect(splitSentences(text)).toEqual(['他说：“走吧。”', '我们出发了！', '真的吗？', '好']);
  });

  it('keeps trailing whitespace so the text joins back whole', () => {
    const text = 'One. Two.\n\n';
    expect(splitSentences(text).join('')).toBe(text);
  });

  it('detects Chinese text', () => {
    expect(detectLanguage('这是一个测试。这是第二句。')).toBe('zh');
    expect(detectLanguage('This is a test. A second one.')).toBe('en');
  });

  it('loads the built-in corpora and text files, and rejects missing files with a fix', () => {
    const en = loadHaystack('en');
    const zh = loadHaystack('zh');
    expect(en.language).toBe('en');
    expect(zh.language).toBe('zh');
    expect(en.sentences.length).toBeGreaterThan(3000);
    expect(zh.sentences.length).toBeGreaterThan(3000);
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-haystack-'));
    const file = join(dir, 'mine.txt');
    writeFileSync(file, '第一句。第二句。第三句。第四句。第五句。第六句。第七句。第八句。');
    expect(loadHaystack(file)).toMatchObject({ name: 'mine.txt', language: 'zh' });
    expect(() => loadHaystack(join(dir, 'missing.txt'))).toThrow(UserError);
  });

  it('ships corpora that are exactly the generator output (the project\'s own text), without digits', () => {
    for (const language of ['en', 'zh'] as const) {
      const recipe = CORPUS_RECIPES[language];
      const committed = readFileSync(join(corporaDirectory(), `${language}.txt`), 'utf8');
      expect(committed).toBe(generateFillerText(language, recipe.seed, recipe.paragraphs));
      expect(/\d/.test(committed)).toBe(false);
    }
  });
});
