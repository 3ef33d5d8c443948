/**
 * The command line, run by harness/cli.ts (which filters its stderr). Each subcommand lives in its
 * own module under harness/commands/ and is registered here. UserErrors print as two lines (what, how to fix) and exit 2; other errors are
 * bugs and print their stack. The process exits explicitly: Dawn keeps Node alive while its GPU
 * object is referenced.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isUserError } from '../engine/language-model.js';
import { commands } from './commands/index.js';
import { refreshRunsIndexAfter } from '../reports/suite/runs-index.js';
import { machineUserError } from './file-errors.js';
import { applyInvocation, currentInvocation } from './cli/invocation.js';
import { suggestionFor } from './cli/help.js';
import { handleInterrupts, Interrupted, INTERRUPTED_EXIT_CODE } from './cli/interrupt.js';

function reportFailure(thrown: unknown, verbose: boolean): number {
  // A full disk or an unwritable path met somewhere without its own message is still the machine's
  // doing, not a bug: two lines and exit 2 (records already written are flushed and kept).
  const error = isUserError(thrown) ? thrown : (machineUserError(thrown) ?? thrown);
  if (isUserError(error)) {
    process.stderr.write(`error: ${error.message}\n  fix: ${error.hint}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
  process.stderr.write(`internal error (a bug in gnomon; please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  handleInterrupts((text) => process.stderr.write(text));
  try {
    let parser: Argv = yargs(argv)
      .scriptName('harness')
      .usage('$0 <command> [options]')
      .option('verbose', { type: 'boolean', default: false, describe: 'print stack traces with errors' })
      // Before each handler: record how the run was started; with --resume, replay the run's own options.
      .middleware((args) => applyInvocation(args, argv))
      .demandCommand(1, 'name a command (harness --help lists them)')
      .strict()
      .recommendCommands()
      .help()
      .alias('help', 'h')
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((message, error) => {
        if (error) throw error;
        throw new UsageError(message, suggestionFor(message));
      });
    for (const register of commands) parser = register(parser);
    refreshRunsIndexAfter(await parser.parseAsync());
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) {
      process.stderr.write(`${error.summary}\n`);
      if (error.runDir) process.stderr.write(`resume with: harness ${currentInvocation()?.command ?? '<command>'} --resume ${error.runDir}\n`);
      return INTERRUPTED_EXIT_CODE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n  fix: ${error.suggestion ? `${error.suggestion} ` : ''}run harness --help (or harness <command> --help)\n`);
      return 2;
    }
    return reportFailure(error, verbose);
  }
}

class UsageError extends Error {
  constructor(message: string, readonly suggestion?: string) {
    super(message);
  }
}

const code = await main(hideBin(process.argv));
// Flush stdout/stderr before exiting: large reports are written asynchronously to pipes.
process.stdout.write('', () => process.exit(code));
