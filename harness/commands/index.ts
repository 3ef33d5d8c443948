/** Every `harness` subcommand, in the order `--help` lists them. */
import type { Argv } from 'yargs';
import ceval from './ceval.js';
import contamination from './contamination.js';
import convertTokenizer from './convert-tokenizer.js';
import demo from './demo.js';
import doctor from './doctor.js';
import merge from './merge.js';
import needle from './needle.js';
import run from './run.js';
import compare from './compare.js';
import list from './list.js';
import submit from './submit.js';
import subjective from './subjective.js';
import serve from './serve.js';

// Each module's default export is a yargs CommandModule with its own argument type; registering each
// through its own call keeps those types checked. Add one line per command.
export const commands: readonly ((parser: Argv) => Argv)[] = [
  (parser) => parser.command(demo),
  (parser) => parser.command(doctor),
  (parser) => parser.command(needle),
  (parser) => parser.command(ceval),
  (parser) => parser.command(contamination),
  (parser) => parser.command(subjective),
  (parser) => parser.command(convertTokenizer),
  (parser) => parser.command(run),
  (parser) => parser.command(compare),
  (parser) => parser.command(list),
  (parser) => parser.command(submit),
  (parser) => parser.command(merge),
  (parser) => parser.command(serve),
];
