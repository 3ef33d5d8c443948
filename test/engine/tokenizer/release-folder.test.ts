/**
 * A checkpoint folder laid out as InternLM2 releases are — weights, config.json, tokenizer.model and
 * tokenizer_config.json, no tokenizer.json — loads through loadModel (the path of every command) with
 * no conversion step by hand: the tokenizer is converted into the cache, the folder stays as it was.
 * The model file is trained here with spm_train (384 pieces, to fit the fixture's embedding).
 */
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { hasSentencePieceTools, spmEncodeIds, trainSentencePiece, writeMixedCorpus } from '../../helpers/sentencepiece-tools.js';
import { makeTempFolder, removeTempFolder, writableFixtureCopy } from '../../helpers/internlm2-fixtures.js';

const toolsPresent = hasSentencePieceTools();
if (!toolsPresent) console.warn('SKIPPED release-folder test: spm_train not found (apt-get install sentencepiece; .ci/run installs it)');

describe.skipIf(!toolsPresent)('a release folder with tokenizer.model and no tokenizer.json', () => {
  const scratch = makeTempFolder('gnomon-release-folder-');
  const previousCache = process.env['GNOMON_CACHE'];
  afterAll(() => {
    if (previousCache === undefined) delete process.env['GNOMON_CACHE'];
    else process.env['GNOMON_CACHE'] = previousCache;
    removeTempFolder(scratch);
  });

  it('loads through loadModel, converting into the cache once and saying so on stderr', async () => {
    process.env['GNOMON_CACHE'] = join(scratch, 'cache');
    const corpus = join(scratch, 'corpus.txt');
    writeMixedCorpus(corpus, 2000);
    const modelFile = trainSentencePiece(corpus, join(scratch, 'spm'), {
      model_type: 'bpe', vocab_size: 384, byte_fallback: false, character_coverage: 1, normalization_rule_name: 'identity',
      remove_extra_whitespaces: false, add_dummy_prefix: false, split_digits: true,
    });
    const dir = writableFixtureCopy('tiny-fp32');
    rmSync(join(dir, 'tokenizer.json'));
    copyFileSync(modelFile, join(dir, 'tokenizer.model'));
    const before = readdirSync(dir).sort();

    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { printed.push(String(chunk)); return true; }) as typeof process.stderr.write;
    let model: LanguageModel;
    try {
      model = await loadModel(dir);
    } finally {
      process.stderr.write = write;
    }
    try {
      expect(printed.filter((line) => line.startsWith('converted '))).toEqual([
        expect.stringMatching(new RegExp(`^converted ${join(dir, 'tokenizer.model')} to ${join(scratch, 'cache', 'tokenizers')}/[0-9a-f]{32}/tokenizer-[0-9a-f]{12}\\.json in \\d+\\.\\d s \\(first use; the model folder is left as it is\\)\\n$`)),
      ]);
      expect(readdirSync(dir).sort()).toEqual(before);
      const text = 'the secret code for the blue door is 4821';
      const ids = await model.tokenizer.encode(text);
      expect(ids).toEqual(spmEncodeIds(modelFile, [text], scratch)[0]);
      const [scored] = await model.scoreContinuations([1, ...ids.slice(0, -1)], [ids.slice(-1)]);
      expect(Number.isFinite(scored?.sumLogprob)).toBe(true);
    } finally {
      await model.dispose();
      removeTempFolder(join(dir, '..'));
    }
  }, 120_000);
});
