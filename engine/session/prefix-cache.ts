/**
 * Reuse of a recently computed prefix across calls. Evaluation prompts share long leading parts
 * (C-Eval's five worked examples are the same for every question of a subject), so the session keeps
 * the KV of the last prefix it ran in a reserved cache slot and starts each new sequence from the
 * longest common leading part. Reused rows are bit-identical to recomputed ones (same tokens, same
 * positions, same RoPE base, same kernels), so results do not change — only the work does.
 */

export interface CachedPrefix {
  /** Tokens whose keys and values are held in the cache slot, positions 0..ids.length-1. */
  readonly ids: readonly number[];
  /** RoPE base the keys were rotated with (dynamic NTK makes it depend on the sequence length). */
  readonly ropeBase: number;
  /**
   * log p(ids[j + 1] | ids[..j]) for j = 0 … ids.length − 2, when the prefix was scored with its own
   * log-probs (`ScoreRequest.prefixLogprobs`); a reused row's prediction then need not run again.
   */
  readonly logprobs?: readonly number[];
}

/**
 * How many leading tokens of `ids` can be copied from the cache: the common prefix, but never the
 * last token (its row must run to produce the next-token distribution), and only when the RoPE base
 * is the same.
 */
export function reusableLength(cached: CachedPrefix | undefined, ids: readonly number[], ropeBase: number, needLogprobs = false): number {
  if (!cached || cached.ropeBase !== ropeBase) return 0;
  const limit = Math.min(cached.ids.length, ids.length - 1);
  let length = 0;
  while (length < limit && cached.ids[length] === ids[length]) length += 1;
  if (needLogprobs) {
    // Reused rows 0 … length−1 predict positions 1 … length: the cache must hold those log-probs,
    // and position `length` must be the same token in both sequences.
    length = Math.min(length, cached.logprobs?.length ?? 0);
    if (length > 0 && cached.ids[length] !== ids[length]) length -= 1;
  }
  return length;
}
