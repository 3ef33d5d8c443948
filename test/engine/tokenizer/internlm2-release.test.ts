/**
 * The real InternLM2 tokenizer, loaded as a release folder is downloaded: tokenizer.model (SentencePiece)
 * and tokenizer_config.json, no tokenizer.json. loadTokenizer — the path every checkpoint takes —
 * converts it into the cache on first use; the ids are checked against golden.jsonl, which holds the
 * ids of the release's own slow InternLM2Tokenizer (see ../shared/tokenizers/internlm2/README.md).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import convertTokenizerCommand from '../../../harness/commands/convert-tokenizer.js';
import type { TextTokenizer } from '../../../engine/language-model.js';
import { parseSentencePieceModel, PieceType, type SentencePiece } from '../../../engine/tokenizer/sentencepiece-model.js';
import { loadTokenizer } from '../../../engine/tokenizer/tokenizer.js';
import { makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { FIXTURES_DIR, INTERNLM2_RELEASE_DIR } from '../../helpers/shared-data.js';

interface GoldenLine {
  readonly cat: string;
  readonly text: string;
  readonly ids: number[];
}

const release = INTERNLM2_RELEASE_DIR;
const golden: GoldenLine[] = readFileSync(join(release, 'golden.jsonl'), 'utf8')
  .trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line) as GoldenLine);
const pieces: readonly SentencePiece[] = parseSentencePieceModel(readFileSync(join(release, 'tokenizer.model')), 'tokenizer.model').pieces;

/** The ids tokenizer_config.json renames (added_tokens_decoder), as the release's chat format uses them. */
const CHAT_TOKENS: Record<string, number> = {
  '<|im_start|>': 92543,
  '<|im_end|>': 92542,
  '<|action_start|>': 92541,
  '<|action_end|>': 92540,
  '<|interpreter|>': 92539,
  '<|plugin|>': 92538,
};
const renamed = new Map(Object.entries(CHAT_TOKENS).map(([token, id]) => [id, token]));

/**
 * The one accepted difference from the slow tokenizer (the issue and the README there say why): the
 * model's own names of the renamed ids typed as text. The slow tokenizer still matches them as
 * user-defined pieces; after the rename (as in Hugging Face's fast tokenizer) they are plain text.
 */
const RENAMED_PIECE_NAMES = /\[UNUSED_TOKEN_14[5-6]\]/;

const scratch = makeTempFolder('gnomon-internlm2-tokenizer-');
const previousCache = process.env['GNOMON_CACHE'];
const logged: string[] = [];
let tokenizer: TextTokenizer;
let firstLoadSeconds = 0;

beforeAll(async () => {
  process.env['GNOMON_CACHE'] = join(scratch, 'cache');
  const started = performance.now();
  // Loaded straight from the shared folder, which is read-only: nothing may be written there.
  tokenizer = await loadTokenizer(release, { vocabSize: 92544, log: (line) => logged.push(line) });
  firstLoadSeconds = (performance.now() - started) / 1000;
  console.log(`first load of the real InternLM2 tokenizer (conversion of 92,544 pieces included): ${firstLoadSeconds.toFixed(2)} s; ${logged[0]}`);
});

afterAll(() => {
  if (previousCache === undefined) delete process.env['GNOMON_CACHE'];
  else process.env['GNOMON_CACHE'] = previousCache;
  removeTempFolder(scratch);
});

describe('the real InternLM2 tokenizer.model, converted on first use', () => {
  it('converts once into the cache, says so in one line, and leaves the model folder as it is', async () => {
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^converted .*tokenizers\/internlm2\/tokenizer\.model to .*cache\/tokenizers\/f868398fc4e05ee1e8aeba95ddf18ddc\/tokenizer-[0-9a-f]{12}\.json in \d+\.\d s \(first use; the model folder is left as it is\)$/);
    expect(readdirSync(release).sort()).toEqual(['README.md', 'config.json', 'golden.jsonl', 'tokenizer.model', 'tokenizer_config.json']);
    // The second load reads the cached file: no conversion, no line.
    const again = await loadTokenizer(release, { log: (line) => logged.push(line) });
    expect(logged).toHaveLength(1);
    expect(await again.encode('答案: B')).toEqual(await tokenizer.encode('答案: B'));
  });

  it('has the release vocabulary, bos/eos and the chat stop tokens', () => {
    expect(tokenizer.vocabSize).toBe(92544);
    expect(tokenizer.bosId).toBe(1);
    expect(tokenizer.eosId).toBe(2);
    expect(tokenizer.addBos).toBe(true);
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.stopTokenIds).toEqual([2, 92542]);
    for (const [token, id] of Object.entries(CHAT_TOKENS)) expect(tokenizer.tokenId(token), token).toBe(id);
  });

  it('encodes every line of golden.jsonl to the official ids', async () => {
    const differing: { cat: string; text: string; ours: number[]; official: number[] }[] = [];
    for (const line of golden) {
      const ours = await tokenizer.encode(line.text);
      if (JSON.stringify(ours) !== JSON.stringify(line.ids)) differing.push({ cat: line.cat, text: line.text, ours, official: line.ids });
    }
    // Only the accepted difference, and it behaves as the fast tokenizer does: plain text.
    expect(differing.filter((d) => !RENAMED_PIECE_NAMES.test(d.text))).toEqual([]);
    expect(differing.map((d) => d.text)).toEqual(['[UNUSED_TOKEN_145]']);
    expect(differing[0]!.official).toEqual([92542]);
    expect(await tokenizer.decode(differing[0]!.ours)).toBe('[UNUSED_TOKEN_145]');
    expect(golden.length).toBe(5888);
  });

  it('decodes the golden ids back to their text (but for U+2581, which SentencePiece decodes as a space)', async () => {
    let checked = 0;
    for (const line of golden) {
      if (RENAMED_PIECE_NAMES.test(line.text)) continue;
      const expected = line.text.replaceAll('\u2581', ' ');
      expect(await tokenizer.decode(line.ids, false), line.cat).toBe(expected);
      checked += 1;
    }
    expect(checked).toBe(golden.length - 1);
  });

  it('keeps every piece: each id maps from its piece and back, NUL (354) and BOM (65402) included', async () => {
    expect(pieces[354]).toEqual({ piece: '\u0000', score: -188, type: PieceType.Normal });
    expect(pieces[65402]!.piece).toBe('\uFEFF');
    const lost = pieces.flatMap((piece, id) => {
      const token = renamed.get(id) ?? piece.piece;
      return tokenizer.tokenId(token) === id ? [] : [{ id, token }];
    });
    expect(lost).toEqual([]);
    expect(await tokenizer.encode('\u0000')).toEqual([354]);
    expect(await tokenizer.encode('\uFEFF')).toEqual([65402]);
    expect(await tokenizer.decode([65402])).toBe('\uFEFF');
    expect(await tokenizer.decode([354])).toBe('\u0000');
    expect(await tokenizer.encode('a\uFEFFb\u0000c')).toEqual([...(await tokenizer.encode('a')), 65402, ...(await tokenizer.encode('b')), 354, ...(await tokenizer.encode('c'))]);
  });

  it('decodes every normal and user-defined piece to its text, which encodes back to that one id', async () => {
    const wrong: { id: number; decoded: string; encoded: number[] }[] = [];
    const kinds = new Map<PieceType, number>();
    const check = async (id: number): Promise<void> => {
      const decoded = await tokenizer.decode([id], false);
      const encoded = await tokenizer.encode(decoded);
      const text = (renamed.get(id) ?? pieces[id]!.piece).replaceAll('\u2581', ' ');
      if (decoded !== text || encoded.length !== 1 || encoded[0] !== id) wrong.push({ id, decoded, encoded });
    };
    const ids: number[] = [];
    pieces.forEach((piece, id) => {
      kinds.set(piece.type, (kinds.get(piece.type) ?? 0) + 1);
      if (piece.type === PieceType.Normal || piece.type === PieceType.UserDefined) ids.push(id);
    });
    // In batches: the native library runs each call off the main thread.
    for (let start = 0; start < ids.length; start += 512) await Promise.all(ids.slice(start, start + 512).map(check));
    expect(wrong).toEqual([]);
    expect(Object.fromEntries(kinds)).toEqual({ [PieceType.Normal]: 92093, [PieceType.Unknown]: 1, [PieceType.Control]: 2, [PieceType.UserDefined]: 192, [PieceType.Byte]: 256 });
  }, 60_000);

  it('falls back to byte pieces for characters the vocabulary lacks, and decodes them back', async () => {
    // Each of the 256 byte pieces is found by name.
    for (let byte = 0; byte < 256; byte += 1) {
      const name = `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
      expect(tokenizer.tokenId(name), name).toBe(pieces.findIndex((piece) => piece.piece === name));
    }
    const rare = '\u{1D11E}'; // MUSICAL SYMBOL G CLEF: four UTF-8 bytes, no piece of its own
    const ids = await tokenizer.encode(rare);
    expect(ids).toEqual([0xf0, 0x9d, 0x84, 0x9e].map((byte) => tokenizer.tokenId(`<0x${byte.toString(16).toUpperCase()}>`)));
    expect(await tokenizer.decode(ids)).toBe(rare);
  });

  it('renders the release chat template exactly, and the 98 chat renderings in golden.jsonl', async () => {
    expect(tokenizer.renderChat([{ role: 'user', content: '你好' }], true)).toBe('<s><|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n');
    expect(
      tokenizer.renderChat(
        [
          { role: 'system', content: 'You are InternLM.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
        ],
        false,
      ),
    ).toBe('<s><|im_start|>system\nYou are InternLM.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n');
    const renderings = golden.filter((line) => line.cat === 'chat_template');
    expect(renderings).toHaveLength(98);
    for (const line of renderings) {
      const turns = [...line.text.matchAll(/<\|im_start\|>(\w+)\n([\s\S]*?)<\|im_end\|>\n/g)].map((match) => ({ role: match[1]!, content: match[2]! }));
      const rendered = tokenizer.renderChat(turns, line.text.endsWith('<|im_start|>assistant\n'));
      expect(rendered).toBe(line.text);
      // The rendering starts with the bos string, which encodes to id 1 like the official ids.
      expect(await tokenizer.encode(rendered)).toEqual(line.ids);
    }
  });
});

describe('which tokenizer file a folder uses', () => {
  it('prefers tokenizer.json when the folder has both', async () => {
    // The fixtures' 384-token tokenizer.json beside the real tokenizer.model: the json wins, nothing is converted.
    const dir = join(scratch, 'both');
    mkdirSync(dir);
    copyFileSync(join(release, 'tokenizer.model'), join(dir, 'tokenizer.model'));
    copyFileSync(join(FIXTURES_DIR, 'tiny-fp32', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    copyFileSync(join(FIXTURES_DIR, 'tiny-fp32', 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    const lines: string[] = [];
    const loaded = await loadTokenizer(dir, { log: (line) => lines.push(line) });
    expect(loaded.vocabSize).toBe(384);
    expect(lines).toEqual([]);
  });

  it('keys the cache by the added tokens too: a config that renames other ids converts again', async () => {
    const dir = join(scratch, 'renamed');
    mkdirSync(dir);
    copyFileSync(join(release, 'tokenizer.model'), join(dir, 'tokenizer.model'));
    const config = JSON.parse(readFileSync(join(release, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    delete config['added_tokens_decoder'];
    delete config['chat_template'];
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
    const lines: string[] = [];
    const base = await loadTokenizer(dir, { log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toBe(logged[0]);
    // Without the renames the model's own names hold, as the slow tokenizer has them.
    expect(base.tokenId('[UNUSED_TOKEN_145]')).toBe(92542);
    expect(base.tokenId('<|im_end|>')).toBeUndefined();
    expect(await base.encode('[UNUSED_TOKEN_145]')).toEqual([92542]);
  });

  it('harness convert-tokenizer writes tokenizer.json into the folder and checks it (it crashed on the NUL piece)', async () => {
    const dir = join(scratch, 'convert');
    mkdirSync(dir);
    copyFileSync(join(release, 'tokenizer.model'), join(dir, 'tokenizer.model'));
    copyFileSync(join(release, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { printed.push(chunk); return true; }) as typeof process.stdout.write;
    try {
      const handler = convertTokenizerCommand.handler as (args: { dir: string; force: boolean }) => Promise<void>;
      await handler({ dir, force: false });
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).toMatch(/^wrote .*convert\/tokenizer\.json: bpe model, 92544 pieces, 165112 merges, 195 special\/added tokens\ncheck: .* tokens; bos 1, eos 2, chat template yes\n$/);
    // The folder's own tokenizer.json equals the cached conversion.
    const cached = readdirSync(join(scratch, 'cache', 'tokenizers', 'f868398fc4e05ee1e8aeba95ddf18ddc')).find((name) => logged[0]!.includes(name))!;
    expect(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(scratch, 'cache', 'tokenizers', 'f868398fc4e05ee1e8aeba95ddf18ddc', cached), 'utf8'));
  });
});
