/**
 * Child process for the shared-state tests (issue 17 items 13 and 14). Usage:
 *   node race-child.js mkdir ROOT START_MS COUNT   — waits until START_MS, then creates COUNT run
 *     folders named as if all at the same instant; prints each path on a line
 *   node race-child.js resume RUN_DIR DELAY_MS     — resumes a ceval run on a slow scripted model
 * A UserError prints as the CLI prints it and exits 2.
 */
import { isUserError } from '../../../engine/errors.js';
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import { createRunDirectory } from '../../../harness/records.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

const [mode, target, third, fourth] = process.argv.slice(2);
try {
  if (mode === 'mkdir' && target) {
    const start = Number(third);
    // Busy-wait to the common start so that the processes' mkdir calls really coincide.
    while (Date.now() < start) { /* spin */ }
    const instant = new Date(start);
    const made: string[] = [];
    for (let i = 0; i < Number(fourth ?? 1); i += 1) made.push(createRunDirectory(target, 'race', instant));
    process.stdout.write(`${made.join('\n')}\n`);
  } else if (mode === 'resume' && target) {
    const model = new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2), delayMs: Number(third ?? 0) });
    await runCevalEvaluation(model, {
      settings: { preset: 'ceval', dataDir: '/ignored-on-resume', split: 'val', chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
      outDir: '/ignored-on-resume', resumeDir: target, command: 'race-child resume',
    });
  } else {
    throw new Error('usage: race-child mkdir ROOT START_MS COUNT | resume RUN_DIR DELAY_MS');
  }
} catch (error) {
  if (!isUserError(error)) throw error;
  process.stderr.write(`error: ${error.message}\n  fix: ${error.hint}\n`);
  process.exitCode = 2;
}
