/** Every `harness` subcommand, in the order `--help` lists them. */
import type { CommandModule } from 'yargs';
import convertTokenizer from './convert-tokenizer.js';

// Each module's default export is a yargs CommandModule; options types differ per command.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs' own CommandModule default
export const commands: CommandModule<object, never>[] = [convertTokenizer];
