/**
 * The parent's handle on a llama.cpp worker process (./peer-worker.ts): one request at a time, each
 * answered by one reply of the same kind or an error.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadReply, LoadRequest, PeerReply, PeerRequest } from './peer-protocol.js';

const workerFile = fileURLToPath(new URL('./peer-worker.js', import.meta.url));

type ReplyOf<K extends PeerRequest['kind']> = Extract<PeerReply, { kind: K }>;

export class PeerProcess {
  private pending: { resolve: (reply: PeerReply) => void; reject: (error: Error) => void } | undefined;
  private exited: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: PeerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = `llama.cpp worker exited (${signal ?? `code ${code}`})`;
      this.pending?.reject(new Error(this.exited));
      this.pending = undefined;
    });
  }

  /** Starts a worker and loads the model in it; `env` adds to this process's environment. */
  static async start(load: LoadRequest, env: Record<string, string> = {}): Promise<{ peer: PeerProcess; load: LoadReply }> {
    const child = fork(workerFile, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const peer = new PeerProcess(child);
    try {
      return { peer, load: await peer.request(load) };
    } catch (error) {
      peer.stop();
      throw error;
    }
  }

  request<R extends PeerRequest>(request: R): Promise<ReplyOf<R['kind']>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    if (this.pending) return Promise.reject(new Error('peer worker: one request at a time'));
    return new Promise<PeerReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    }).then((reply) => {
      if (reply.kind === 'error') throw new Error(`llama.cpp worker: ${reply.message}`);
      if (reply.kind !== request.kind) throw new Error(`llama.cpp worker answered ${reply.kind} to ${request.kind}`);
      return reply as ReplyOf<R['kind']>;
    });
  }

  /** Ends the worker (it frees its model on disconnect). */
  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
