/**
 * `harness merge RUN` — joins the shards of a sharded run (`--shard I/N --run-dir RUN`, or `harness
 * submit`) into the records.jsonl one process would have written, then writes the summaries and
 * report through the command's own `--report RUN`. Refuses, naming the missing keys, while a shard
 * is unfinished; merging again is harmless.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { mergeShards } from '../scale/merge-shards.js';

interface MergeArguments {
  run: string;
}

const command: CommandModule<object, MergeArguments> = {
  command: 'merge <run>',
  describe: 'merge the shards of RUN into one records.jsonl (as one process would write it), then its summaries and report',
  builder: (yargs: Argv) => yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'the run folder the shards share (--run-dir)' }) as unknown as Argv<MergeArguments>,
  handler: (args) => {
    const merged = mergeShards(args.run);
    process.stdout.write(`merged ${merged.records} records from ${merged.plan.shards} shards into ${merged.file}\n`);
    // The report is the command's own --report path, in a child process: the same code, tables and
    // files as for a run made in one process, for every shardable command alike.
    const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
    const report = spawnSync(process.execPath, [cli, merged.plan.command, '--report', args.run], { stdio: 'inherit' });
    if (report.status !== 0) {
      throw new UserError(`harness ${merged.plan.command} --report ${args.run} failed (exit ${report.status ?? report.signal})`, `the merged records are written; fix what it printed and run harness ${merged.plan.command} --report ${args.run}`);
    }
  },
};

export default command as unknown as CommandModule<object, never>;
