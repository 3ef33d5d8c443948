import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileChild } from '../../helpers/compiled-child.js';

// The worker process and its IPC, against a stand-in for node-llama-cpp's module (the real one is
// installed on demand and exercised by the bench itself): a "model" whose next-token distribution
// after token t puts probability 0.5 on t + 1 and spreads the rest, so every log-prob the worker
// reports can be checked by hand, and whose greedy pick is t + 1.
const FAKE_NODE_LLAMA_CPP = `
export async function getLlama(options) {
  return {
    gpu: options.gpu,
    cpuMathCores: 1,
    async getGpuDeviceNames() { return ['fake device']; },
    async dispose() {},
    async loadModel({ modelPath }) {
      if (!modelPath.endsWith('.gguf')) throw new Error('not a gguf: ' + modelPath);
      return {
        gpuLayers: options.gpu === false ? 0 : 5,
        async dispose() {},
        async createContext(opts) {
          let history = [];
          return {
            contextSize: opts.contextSize, batchSize: opts.batchSize,
            async dispose() {},
            getSequence() {
              return {
                async clearHistory() { history = []; },
                async controlledEvaluate(input) {
                  return input.map((item) => {
                    const [token, extra] = Array.isArray(item) ? item : [item, undefined];
                    history.push(token);
                    const next = extra?.generateNext;
                    if (!next) return undefined;
                    const probabilities = new Map([[token + 1, 0.5], [token + 2, 0.25], [token + 3, 0.25]]);
                    return { next: { token: next.token ? token + 1 : undefined, probabilities: next.probabilities ? probabilities : undefined } };
                  });
                },
              };
            },
          };
        },
      };
    },
  };
}
`;

let entry: string;
let workDir: string;
let PeerProcessClass: typeof import('../../../bench/peers/peer-process.js').PeerProcess;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'gnomon-peer-worker-'));
  entry = join(workDir, 'fake-node-llama-cpp.mjs');
  writeFileSync(entry, FAKE_NODE_LLAMA_CPP);
  // The parent forks peer-worker.js from its own folder: compile the worker (and its imports), then
  // put the compiled parent beside it (it has no runtime imports of its own to carry along).
  const worker = compileChild('bench/peers/peer-worker.ts');
  const parent = join(dirname(worker), 'peer-process.js');
  copyFileSync(compileChild('bench/peers/peer-process.ts'), parent);
  ({ PeerProcess: PeerProcessClass } = (await import(parent)) as typeof import('../../../bench/peers/peer-process.js'));
}, 120_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const load = (gguf: string) => ({ kind: 'load', entry, gguf, gpu: false, threads: 1, contextSize: 256, batchSize: 64, flashAttention: false, kvCache: 'F32' }) as const;

describe('peer worker', () => {
  it('answers load, log-probs, prefill, decode and reload over IPC', async () => {
    const { peer, load: loaded } = await PeerProcessClass.start(load(join(workDir, 'model.gguf')));
    try {
      expect(loaded).toMatchObject({ kind: 'load', device: 'CPU, 1 threads', gpuLayers: 0, contextSize: 256, batchSize: 64 });
      // log p(ids[i+1] | ..ids[i]): 10 → 11 is 0.5, 11 → 13 is 0.25.
      const { logprobs } = await peer.request({ kind: 'logprobs', ids: [10, 11, 13] });
      expect(logprobs).toEqual([Math.log(0.5), Math.log(0.25)]);
      expect((await peer.request({ kind: 'prefill', ids: [5, 6, 7] })).token).toBe(8);
      // Decode feeds each pick back: after the prompt's pick 8 come 9, 10, 11.
      expect((await peer.request({ kind: 'decode', ids: [5, 6, 7], steps: 4 })).tokens).toEqual([8, 9, 10, 11]);
      expect((await peer.request({ kind: 'reload' })).seconds).toBeGreaterThanOrEqual(0);
    } finally {
      peer.stop();
    }
  });

  it('reports a failed load as an error naming the cause', async () => {
    await expect(PeerProcessClass.start(load(join(workDir, 'model.bin')))).rejects.toThrow(/llama.cpp worker: not a gguf/);
  });
});
