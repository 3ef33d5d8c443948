/**
 * `harness serve` — gnomon's engine as an OpenAI-compatible server (what LMDeploy's `api_server` is
 * for LMDeploy): other tools, or `harness ceval --api-base`, evaluate the checkpoint over HTTP and
 * get the answers the in-process engine gives. Binds to loopback unless --host says otherwise.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { modelOptions, openModel, type ModelArguments } from '../model-options.js';
import { startServer } from '../serve/openai-server.js';

interface ServeArguments extends ModelArguments {
  port: number;
  host: string;
  apiKey?: string;
  servedModelName?: string;
  maxBatch: number;
  quiet: boolean;
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

const command: CommandModule<object, ServeArguments> = {
  command: 'serve',
  describe: 'serve the model over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions, /tokenize)',
  builder: (yargs: Argv) => yargs
    .options(modelOptions)
    .option('port', { type: 'number', default: 8000, describe: 'TCP port (0: any free port; the address is printed)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind; loopback by default (0.0.0.0 serves the network: set --api-key)' })
    .option('api-key', { type: 'string', describe: 'require "Authorization: Bearer KEY" on every request (default: env GNOMON_SERVE_API_KEY, else no key)' })
    .option('served-model-name', { type: 'string', describe: 'the model name clients use (default: the checkpoint folder name)' })
    .option('max-batch', { type: 'number', default: 32, describe: 'most concurrent requests per engine call (results do not depend on it)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no line per request' }) as unknown as Argv<ServeArguments>,
  handler: async (args: ArgumentsCamelCase<ServeArguments>) => {
    if (args.apiBase !== undefined) throw new UserError('harness serve serves a local checkpoint, not --api-base', 'pass --model DIR');
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UserError(`--port ${args.port}: expected 0 to 65535`, 'e.g. --port 8000');
    if (!Number.isInteger(args.maxBatch) || args.maxBatch < 1) throw new UserError(`--max-batch ${args.maxBatch}: expected a whole number ≥ 1`, 'e.g. --max-batch 32');
    const apiKey = args.apiKey ?? process.env.GNOMON_SERVE_API_KEY;
    const model = await openModel(args);
    let running;
    try {
      running = await startServer(model, {
        host: args.host, port: args.port, apiKey, maxBatch: args.maxBatch,
        ...(args.servedModelName ? { name: args.servedModelName } : {}),
        ...(args.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
      });
    } catch (error) {
      await model.dispose();
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new UserError(`cannot listen on ${args.host}:${args.port} (${code})`, 'pick another --port (or --host), or stop what holds it');
      }
      throw error;
    }
    process.stderr.write(`serving ${running.served.name} (${model.info.device}, context ${model.info.contextLength}) at ${running.baseUrl}${apiKey ? ' (API key required)' : ''}\n`);
    process.stdout.write(`${running.baseUrl}\n`);
    const signal = await untilStopped();
    process.stderr.write(`${signal}: finishing requests in flight and stopping\n`);
    await running.close();
    await model.dispose();
  },
};

export default command as unknown as CommandModule<object, never>;
