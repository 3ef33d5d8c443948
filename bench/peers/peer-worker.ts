/**
 * The llama.cpp side of the peer bench, run as a child process (see ./peer-protocol.ts): loads one
 * GGUF on one backend through node-llama-cpp and answers log-prob, prefill, decode and reload
 * requests, timing each inside this process so IPC is not counted.
 */
import type { LoadRequest, PeerReply, PeerRequest } from './peer-protocol.js';
import { importNodeLlamaCpp, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from './node-llama-cpp.js';

interface Loaded {
  readonly request: LoadRequest;
  readonly llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

let loaded: Loaded | undefined;

async function loadModelAndContext(llama: Llama, request: LoadRequest): Promise<{ model: LlamaModel; context: LlamaContext }> {
  const model = await llama.loadModel({ modelPath: request.gguf, gpuLayers: request.gpu === false ? 0 : 'max' });
  const context = await model.createContext({
    contextSize: request.contextSize,
    batchSize: request.batchSize,
    flashAttention: request.flashAttention,
    threads: request.threads,
    experimentalKvCacheKeyType: request.kvCache,
    experimentalKvCacheValueType: request.kvCache,
  });
  return { model, context };
}

function need(): Loaded {
  if (!loaded) throw new Error('peer worker: no model loaded');
  return loaded;
}

async function handle(request: PeerRequest): Promise<PeerReply> {
  switch (request.kind) {
    case 'load': {
      if (request.gpu === 'vulkan') {
        // llama.cpp's Vulkan build skips CPU (software) Vulkan devices such as lavapipe unless they
        // are listed explicitly; on a machine with a GPU, device 0 is the GPU.
        process.env['GGML_VK_VISIBLE_DEVICES'] ??= '0';
      }
      const llamaCpp = await importNodeLlamaCpp(request.entry);
      const llama = await llamaCpp.getLlama({ gpu: request.gpu, build: 'never', logLevel: 'error', maxThreads: request.threads, progressLogs: false });
      if (llama.gpu !== request.gpu) throw new Error(`asked node-llama-cpp for ${String(request.gpu)}, got ${String(llama.gpu)}`);
      const started = performance.now();
      const { model, context } = await loadModelAndContext(llama, request);
      const seconds = (performance.now() - started) / 1000;
      loaded = { request, llama, model, context, sequence: context.getSequence() };
      const names = request.gpu === false ? [] : await llama.getGpuDeviceNames();
      const device = request.gpu === false ? `CPU, ${request.threads} threads` : `${request.gpu}: ${names.join(', ') || 'unnamed device'}`;
      return { kind: 'load', seconds, device, gpuLayers: model.gpuLayers, contextSize: context.contextSize, batchSize: context.batchSize };
    }
    case 'reload': {
      const current = need();
      await current.context.dispose();
      await current.model.dispose();
      const started = performance.now();
      const { model, context } = await loadModelAndContext(current.llama, current.request);
      const seconds = (performance.now() - started) / 1000;
      Object.assign(current, { model, context, sequence: context.getSequence() });
      return { kind: 'reload', seconds };
    }
    case 'logprobs': {
      const { sequence } = need();
      await sequence.clearHistory();
      const ids = request.ids;
      const outputs = await sequence.controlledEvaluate(ids.map((token, i) => (i < ids.length - 1 ? [token, { generateNext: { probabilities: true } }] : token)));
      const logprobs: number[] = [];
      for (let i = 0; i < ids.length - 1; i += 1) {
        const probabilities = outputs[i]?.next.probabilities;
        if (!probabilities) throw new Error(`llama.cpp returned no probabilities at position ${i}`);
        logprobs.push(Math.log(probabilities.get(ids[i + 1]!) ?? 0));
      }
      return { kind: 'logprobs', logprobs };
    }
    case 'prefill': {
      const { sequence } = need();
      await sequence.clearHistory();
      const ids = request.ids;
      const started = performance.now();
      const outputs = await sequence.controlledEvaluate(ids.map((token, i) => (i < ids.length - 1 ? token : [token, { generateNext: { token: true } }])));
      const seconds = (performance.now() - started) / 1000;
      const token = outputs[ids.length - 1]?.next.token;
      if (typeof token !== 'number') throw new Error('llama.cpp picked no token after the prefill');
      return { kind: 'prefill', seconds, token };
    }
    case 'decode': {
      const { sequence } = need();
      await sequence.clearHistory();
      const ids = request.ids;
      const first = await sequence.controlledEvaluate(ids.map((token, i) => (i < ids.length - 1 ? token : [token, { generateNext: { token: true } }])));
      let token = first[ids.length - 1]?.next.token;
      const tokens: number[] = [];
      // One step per call, each token fed back: greedy generation as a user runs it (EOS does not stop it).
      const started = performance.now();
      for (let step = 0; step < request.steps; step += 1) {
        if (typeof token !== 'number') throw new Error(`llama.cpp picked no token at decode step ${step}`);
        tokens.push(token);
        const output = await sequence.controlledEvaluate([[token, { generateNext: { token: true } }]]);
        token = output[0]?.next.token;
      }
      return { kind: 'decode', seconds: (performance.now() - started) / 1000, tokens };
    }
  }
}

process.on('message', (message: PeerRequest) => {
  handle(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ kind: 'error', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) } satisfies PeerReply),
  );
});
process.on('disconnect', () => {
  void (async () => {
    await loaded?.context.dispose();
    await loaded?.model.dispose();
    await loaded?.llama.dispose();
    process.exit(0);
  })();
});
