/**
 * Regenerates corpora/en.txt and corpora/zh.txt from the seeded filler generator:
 * `npx tsc -p . && node dist/harness/needle/write-corpora.js` (run from the repository root).
 * test/harness/needle/corpora.test.ts checks that the committed files equal this output.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_RECIPES, generateFillerText, type FillerLanguage } from './filler-text.js';

for (const language of ['en', 'zh'] as const satisfies readonly FillerLanguage[]) {
  const recipe = CORPUS_RECIPES[language];
  const file = join('corpora', `${language}.txt`);
  writeFileSync(file, generateFillerText(language, recipe.seed, recipe.paragraphs));
  process.stdout.write(`wrote ${file}\n`);
}
