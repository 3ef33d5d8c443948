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
import { withHelpLayout } from '../cli/help.js';

// Each module's default export is a yargs CommandModule with its own argument type; registering each
// through its own call keeps those types checked. Add one line per command.
export const commands: readonly ((parser: Argv) => Argv)[] = [
  (parser) => parser.command(demo),
  (parser) => parser.command(withHelpLayout(doctor, [['$0 doctor --model DIR', 'what loading DIR needs here, and a check on it']])),
  (parser) => parser.command(withHelpLayout(needle, [
    ['$0 needle', 'the default sweep (1k..32k × 11 depths) on the demo model'],
    ['$0 needle --model DIR --lengths 1k,4k,16k --depths 0,50,100', 'a small grid on your checkpoint'],
    ['$0 needle --resume runs/needle-single-…', 'finish an interrupted run (no other flag needed)'],
  ])),
  (parser) => parser.command(withHelpLayout(ceval, [
    ['$0 ceval --model DIR --data-dir data --subjects computer_network', 'one C-Eval subject, ppl mode'],
    ['$0 ceval --model DIR --custom quiz.csv --mode gen', 'your own questions, answers generated'],
    ['$0 ceval --model DIR --show-prompt computer_network:3', 'the exact prompt of one question and its token count'],
  ])),
  (parser) => parser.command(withHelpLayout(contamination, [
    ['$0 contamination --model DIR --dataset ceval --data-dir data --corpus web/', 'n-gram overlap with a corpus, likelihood and option-order probes'],
    ['$0 contamination --dataset quiz.csv --probes likelihood', 'Min-K% and zlib probes only'],
  ])),
  (parser) => parser.command(withHelpLayout(subjective, [
    ['$0 subjective --judge-model DIR --data-dir data --answers a.jsonl b.jsonl', 'MT-Bench single-answer grading of two answer files'],
    ['$0 subjective --judge-model DIR --model DIR2 --mode pairwise --baseline gpt-3.5-turbo', 'answer now with DIR2, compare with a published baseline'],
  ])),
  (parser) => parser.command(convertTokenizer),
  (parser) => parser.command(run),
  (parser) => parser.command(compare),
  (parser) => parser.command(list),
  (parser) => parser.command(submit),
  (parser) => parser.command(merge),
  (parser) => parser.command(serve),
];
