/**
 * Installs node-llama-cpp into gnomon's cache (as the peer bench does on first use) and prints the
 * folder it lives in: bench/device/pack.sh packs that folder for a machine without a registry.
 *
 *   node dist/bench/peers/install-peer.js
 */
import { cacheRoot } from '../../engine/index.js';
import { runMain } from '../gpu-bench.js';
import { ensureNodeLlamaCpp, nodeLlamaCppPrefix } from './node-llama-cpp.js';

runMain(async () => {
  const prefix = nodeLlamaCppPrefix(cacheRoot());
  ensureNodeLlamaCpp(prefix, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${prefix}\n`);
});
