/**
 * `harness convert-tokenizer DIR` — writes DIR/tokenizer.json from DIR/tokenizer.model (SentencePiece),
 * the form real InternLM2 releases ship their tokenizer in, then loads the result once to check it.
 */
import type { Argv, CommandModule } from 'yargs';
import { convertTokenizerFolder, loadTokenizer } from '../../engine/index.js';

interface ConvertTokenizerArguments {
  dir: string;
  out?: string;
  force: boolean;
}

const command: CommandModule<object, ConvertTokenizerArguments> = {
  command: 'convert-tokenizer <dir>',
  describe: 'convert a checkpoint\'s SentencePiece tokenizer.model to the tokenizer.json the engine loads',
  builder: (yargs: Argv) =>
    yargs
      .positional('dir', { type: 'string', demandOption: true, describe: 'checkpoint folder holding tokenizer.model (and tokenizer_config.json)' })
      .option('out', { type: 'string', describe: 'where to write tokenizer.json (default: DIR/tokenizer.json)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing output file' }) as unknown as Argv<ConvertTokenizerArguments>,
  handler: async (args) => {
    const result = convertTokenizerFolder(args.dir, { ...(args.out ? { outputFile: args.out } : {}), overwrite: args.force });
    const lines = [
      `wrote ${result.outputFile}: ${result.modelType} model, ${result.pieces} pieces, ${result.merges} merges, ${result.addedTokens} special/added tokens`,
    ];
    if (result.configFile) lines.push(`wrote ${result.configFile} (the folder had none: bos/eos from the model, no chat template)`);
    // Load what was written, through the same path the engine uses, so a problem shows up now.
    if (!args.out) {
      const tokenizer = await loadTokenizer(args.dir);
      const sample = 'The secret code is 4821. 答案: B';
      lines.push(`check: ${JSON.stringify(sample)} → ${(await tokenizer.encode(sample)).length} tokens; bos ${tokenizer.bosId ?? 'none'}, eos ${tokenizer.eosId ?? 'none'}, chat template ${tokenizer.hasChatTemplate ? 'yes' : 'no'}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};

// The registry in index.ts holds commands of every argument shape; yargs' types cannot express that.
export default command as unknown as CommandModule<object, never>;
