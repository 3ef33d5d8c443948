/**
 * Scripted models for membership-inference tests, over the byte tokenizer:
 *
 *  - a background model: a byte 4-gram distribution (next byte given the previous three) with fixed
 *    pseudo-random weights, normalised over the 256 bytes — the same for every text, it has "seen"
 *    nothing in particular. Three bytes of context reach from an option letter ("B. ") into the
 *    option text, so permuted option orders get different, untied scores;
 *  - an n-gram memorising model: the background interpolated with a byte n-gram model counted on
 *    planted "member" texts, p = λ·count(ctx, b)/count(ctx) + (1−λ)·p_bg(b | prev) wherever the
 *    context occurred in a member, else p_bg. It predicts members' bytes far better than other
 *    texts drawn from the same generator, like a model that trained on them.
 *
 * Both sit behind the LanguageModel scoring interface (ScriptedModel), so the probes run on them
 * exactly as on the engine.
 */
import { ScriptedModel } from './scripted-model.js';
import { ByteTokenizer } from './byte-tokenizer.js';

const BYTES = 256;

/** Deterministic weight in [1, 5) for (context, byte): a fixed, text-independent table. */
function contextWeight(context: number, byte: number): number {
  let h = Math.imul(context + 1, 0x9e3779b1) ^ Math.imul(byte + 7, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h ^= h >>> 13;
  return 1 + 4 * ((h >>> 0) / 0x100000000);
}

class BackgroundFourGram {
  private readonly normalisers = new Map<number, number>();

  logprob(context: readonly number[], byte: number): number {
    // Special tokens (ids ≥ 256) get a tiny fixed probability; texts never contain them.
    if (byte >= BYTES) return Math.log(1e-9);
    const key = context.slice(-3).reduce((h, id) => Math.imul(h ^ (id + 1), 0x01000193) >>> 0, 0x811c9dc5);
    let total = this.normalisers.get(key);
    if (total === undefined) {
      total = 0;
      for (let b = 0; b < BYTES; b += 1) total += contextWeight(key, b);
      this.normalisers.set(key, total);
    }
    return Math.log(contextWeight(key, byte) / total);
  }
}

export interface MemorisingModelOptions {
  /** Context bytes the memorised model conditions on (n − 1 of the n-gram). */
  readonly contextBytes?: number;
  /** Weight of the memorised n-gram distribution where its context was seen. */
  readonly lambda?: number;
  readonly name?: string;
}

/** A model that memorised `members` (as UTF-8 bytes after bos). Pass [] for the background model. */
export function ngramMemorisingModel(members: readonly string[], options: MemorisingModelOptions = {}): ScriptedModel {
  const order = options.contextBytes ?? 6;
  const lambda = options.lambda ?? 0.9;
  const background = new BackgroundFourGram();
  const tokenizer = new ByteTokenizer({ chatTemplate: null });
  const counts = new Map<string, Map<number, number>>();
  const contextKey = (ids: readonly number[]): string => ids.slice(-order).join(',');
  for (const member of members) {
    const ids = [tokenizer.bosId, ...Buffer.from(member, 'utf8')];
    for (let i = 1; i < ids.length; i += 1) {
      const key = contextKey(ids.slice(Math.max(0, i - order), i));
      const next = counts.get(key) ?? new Map<number, number>();
      next.set(ids[i] ?? 0, (next.get(ids[i] ?? 0) ?? 0) + 1);
      counts.set(key, next);
    }
  }
  return new ScriptedModel({
    tokenizer,
    name: options.name ?? (members.length > 0 ? 'ngram-memorising' : 'background-4gram'),
    tokenLogprob: (context, token) => {
      const bg = background.logprob(context, token);
      const seen = counts.get(contextKey(context));
      if (!seen) return bg;
      let total = 0;
      for (const count of seen.values()) total += count;
      return Math.log(lambda * ((seen.get(token) ?? 0) / total) + (1 - lambda) * Math.exp(bg));
    },
  });
}
