/**
 * The tasks a suite can run, each through the code path of its own command: the entry's keys are
 * parsed by the command's yargs builder (defaults, choices and coercions as on the command line),
 * turned into settings by the command's own `settingsFrom`, and run by the same function the
 * command's handler calls, with a model the suite opened once.
 */
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import type { LanguageModel } from '../../engine/language-model.js';
import cevalCommand, { checkCevalFlags, settingsFrom as cevalSettingsFrom } from '../commands/ceval.js';
import needleCommand, { settingsFrom as needleSettingsFrom } from '../commands/needle.js';
import { openQuestionSet, runCevalEvaluation } from '../ceval/evaluation.js';
import { plannedQuestions } from '../ceval/runner.js';
import { runNeedle } from '../needle/needle-run.js';
import { buildParser } from './command-options.js';

export const SUITE_TASK_KINDS = ['ceval', 'needle'] as const;
export type SuiteTaskKind = (typeof SUITE_TASK_KINDS)[number];

/** Flags a suite sets itself (or that make no sense inside one); a task entry may not set them. */
export const SUITE_OWNED_FLAGS = ['out', 'resume', 'report', 'show-prompt'] as const;

export type ParsedArguments = ArgumentsCamelCase<Record<string, unknown>>;

export interface PreparedTask {
  /** Short name in tables and folder names: `ceval-ppl`, `needle-single`. */
  readonly baseLabel: string;
  run(model: LanguageModel, request: { readonly outDir: string; readonly resumeDir?: string | undefined; readonly command: string; readonly log: (line: string) => void }): Promise<string>;
}

interface TaskKindDefinition {
  readonly command: CommandModule<object, never>;
  /** Checks the settings (and the data files) before any model loads; returns how to run them. */
  prepare(args: ParsedArguments): PreparedTask;
}

export const SUITE_TASKS: Readonly<Record<SuiteTaskKind, TaskKindDefinition>> = {
  ceval: {
    command: cevalCommand as unknown as CommandModule<object, never>,
    prepare: (args) => {
      // The command's own checks of flag combinations (e.g. custom with subjects), then its settings.
      checkCevalFlags(args as unknown as Parameters<typeof checkCevalFlags>[0]);
      const settings = cevalSettingsFrom(args as unknown as Parameters<typeof cevalSettingsFrom>[0]);
      // As `harness ceval` does: read every question file now, so bad data fails before a model loads.
      plannedQuestions(openQuestionSet(settings), settings.limit);
      return {
        baseLabel: `${settings.custom ? 'custom' : settings.preset}-${settings.mode}`,
        run: async (model, request) => (await runCevalEvaluation(model, { settings, ...request })).runDir,
      };
    },
  },
  needle: {
    command: needleCommand,
    prepare: (args) => {
      const settings = needleSettingsFrom(args as unknown as Parameters<typeof needleSettingsFrom>[0]);
      return {
        baseLabel: `needle-${settings.task.kind}`,
        run: async (model, request) => (await runNeedle(model, {
          settings, outDir: request.outDir, ...(request.resumeDir ? { resumeDir: request.resumeDir } : {}), argv: request.command, log: request.log,
        })).dir,
      };
    },
  },
};

/** Parses `argv` with `kind`'s own builder, exactly as `harness <kind> ARGV` would. */
export function parseTaskArguments(kind: SuiteTaskKind, argv: readonly string[], where: string): ParsedArguments {
  const parser = buildParser(SUITE_TASKS[kind].command, argv).strict().fail((message, error) => {
    throw error ?? new UserError(`${where}: ${message}`, `check the key against harness ${kind} --help`);
  });
  return parser.parseSync() as ParsedArguments;
}
