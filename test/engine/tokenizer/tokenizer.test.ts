import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

const fixtures = FIXTURES_DIR;
const checkpoints = ['tiny-fp32', 'tiny-bf16-sharded', 'tiny-ntk'];

interface Golden {
  readonly text: string;
  readonly encode_text_ids: number[];
}

function golden(name: string): Golden {
  return JSON.parse(readFileSync(join(fixtures, name, 'golden.json'), 'utf8')) as Golden;
}

describe.each(checkpoints)('tokenizer of fixture %s', (name) => {
  const dir = join(fixtures, name);

  it('encodes the golden text to exactly the reference ids, without adding bos', async () => {
    const tokenizer = await loadTokenizer(dir);
    const { text, encode_text_ids } = golden(name);
    expect(await tokenizer.encode(text)).toEqual(encode_text_ids);
  });

  it('decodes the golden ids back to the text', async () => {
    const tokenizer = await loadTokenizer(dir);
    const { text, encode_text_ids } = golden(name);
    expect(await tokenizer.decode(encode_text_ids)).toBe(text);
  });

  it('reads special tokens and flags from tokenizer_config.json', async () => {
    const tokenizer = await loadTokenizer(dir, { vocabSize: 384 });
    expect(tokenizer.vocabSize).toBe(384);
    expect(tokenizer.bosId).toBe(1);
    expect(tokenizer.eosId).toBe(2);
    expect(tokenizer.addBos).toBe(true);
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.tokenId('<unk>')).toBe(0);
    expect(tokenizer.tokenId('<|im_start|>')).toBe(3);
    expect(tokenizer.tokenId('<|im_end|>')).toBe(4);
    expect(tokenizer.tokenId('no such token')).toBeUndefined();
    expect(tokenizer.stopTokenIds).toEqual([2, 4]);
  });

  it('maps special-token strings inside text to their ids', async () => {
    const tokenizer = await loadTokenizer(dir);
    const ids = await tokenizer.encode('<s><|im_start|>user\nhi</s><|im_end|>');
    expect(ids[0]).toBe(1);
    expect(ids[1]).toBe(3);
    expect(ids.slice(-2)).toEqual([2, 4]);
    // Special tokens are dropped on decode by default and kept on request.
    expect(await tokenizer.decode(ids)).toBe('user\nhi');
    expect(await tokenizer.decode(ids, false)).toBe('<s><|im_start|>user\nhi</s><|im_end|>');
  });

  it('renders the chat template byte-exactly and tokenizes the rendering', async () => {
    const tokenizer = await loadTokenizer(dir);
    const prompt = tokenizer.renderChat(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: '你好' },
      ],
      true,
    );
    expect(prompt).toBe('<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n');
    const ids = await tokenizer.encode(prompt);
    expect(ids.slice(0, 2)).toEqual([1, 3]);
    expect(ids.filter((id) => id === 4)).toHaveLength(2);
  });
});

describe('tokenizer errors', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'gnomon-tokenizer-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A fresh folder with tiny-fp32's tokenizer files, with `change` applied. */
  function checkpointCopy(change: (dir: string) => void): string {
    const dir = mkdtempSync(join(scratch, 'case-'));
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(fixtures, 'tiny-fp32', file), join(dir, file));
    change(dir);
    return dir;
  }

  async function failure(dir: string, vocabSize?: number): Promise<UserError> {
    try {
      await loadTokenizer(dir, vocabSize === undefined ? {} : { vocabSize });
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return error as UserError;
    }
    throw new Error('expected loadTokenizer to fail');
  }

  it('names a damaged tokenizer.model when only that file is there to convert', async () => {
    const dir = checkpointCopy((d) => {
      rmSync(join(d, 'tokenizer.json'));
      writeFileSync(join(d, 'tokenizer.model'), Buffer.alloc(4));
    });
    const error = await failure(dir);
    expect(error.message).toContain(`${join(dir, 'tokenizer.model')}: the SentencePiece model has no pieces`);
    expect(error.hint).toContain('copy tokenizer.model from the model release');
  });

  it('says when there is no tokenizer at all', async () => {
    const dir = checkpointCopy((d) => rmSync(join(d, 'tokenizer.json')));
    const error = await failure(dir);
    expect(error.message).toContain('no tokenizer.json');
    expect(error.hint).toContain('tokenizer.model');
  });

  it('names the file of malformed JSON', async () => {
    const broken = checkpointCopy((d) => writeFileSync(join(d, 'tokenizer.json'), readFileSync(join(d, 'tokenizer.json'), 'utf8').slice(0, 500)));
    expect((await failure(broken)).message).toContain(join(broken, 'tokenizer.json'));
    const brokenConfig = checkpointCopy((d) => writeFileSync(join(d, 'tokenizer_config.json'), '{"bos_token": '));
    const error = await failure(brokenConfig);
    expect(error.message).toContain(join(brokenConfig, 'tokenizer_config.json'));
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses a vocabulary larger than the embedding, naming both sizes', async () => {
    const error = await failure(join(fixtures, 'tiny-fp32'), 300);
    expect(error.message).toContain('384');
    expect(error.message).toContain('300');
  });

  it('accepts an embedding with padding rows beyond the vocabulary', async () => {
    const tokenizer = await loadTokenizer(join(fixtures, 'tiny-fp32'), { vocabSize: 512 });
    expect(tokenizer.vocabSize).toBe(384);
  });

  it('reports a chat template that does not parse, naming the file and key', async () => {
    const dir = checkpointCopy((d) => {
      const config = JSON.parse(readFileSync(join(d, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      config['chat_template'] = '{% for m in messages %}{{ m.content }';
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(config));
    });
    const error = await failure(dir);
    expect(error.message).toContain('tokenizer_config.json');
    expect(error.message).toContain('chat_template');
  });

  it('loads a base model without a chat template and refuses to render chats', async () => {
    const dir = checkpointCopy((d) => {
      const config = JSON.parse(readFileSync(join(d, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      delete config['chat_template'];
      config['add_bos_token'] = false;
      config['bos_token'] = { content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(config));
    });
    const tokenizer = await loadTokenizer(dir);
    expect(tokenizer.hasChatTemplate).toBe(false);
    expect(tokenizer.addBos).toBe(false);
    expect(tokenizer.bosId).toBe(1);
    expect(() => tokenizer.renderChat([{ role: 'user', content: 'hi' }], true)).toThrow(UserError);
  });

  it('names a bos token that is not in the vocabulary', async () => {
    const dir = checkpointCopy((d) => {
      const config = JSON.parse(readFileSync(join(d, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      config['bos_token'] = '<|begin_of_text|>';
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(config));
    });
    const error = await failure(dir);
    expect(error.message).toContain('bos_token');
    expect(error.message).toContain('<|begin_of_text|>');
  });
});
