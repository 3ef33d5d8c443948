/**
 * Child process for the end-to-end test: `harness subjective ARGS…` through the real command module
 * (yargs, model opening, the engine), so the parent can SIGKILL it mid-run and resume it.
 */
import yargs from 'yargs';
import subjective from '../../../harness/commands/subjective.js';

await yargs(process.argv.slice(2)).command(subjective).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
// Dawn keeps Node alive while its GPU objects are referenced (as harness/cli.ts does, exit explicitly).
process.stdout.write('', () => process.exit(0));
