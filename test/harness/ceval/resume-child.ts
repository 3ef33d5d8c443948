/**
 * Child process for the resume test: runs C-Eval ppl on a slow scripted model so the parent can
 * kill it mid-run. Usage: node resume-child.js DATA_DIR OUT_DIR DELAY_MS
 */
import { runCevalEvaluation } from '../../../harness/ceval/evaluation.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

const [dataDir, outDir, delay] = process.argv.slice(2);
if (!dataDir || !outDir) throw new Error('usage: resume-child DATA_DIR OUT_DIR DELAY_MS');
const model = new ScriptedModel({ tokenLogprob: (_context, token) => (token === 66 ? -1 : -2), delayMs: Number(delay ?? 0) });
await runCevalEvaluation(model, {
  settings: { preset: 'ceval', dataDir, split: 'val', subjects: ['computer_network', 'logic'], chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 1 },
  outDir,
  command: 'resume-child',
  log: (line) => process.stderr.write(`${line}\n`),
});
