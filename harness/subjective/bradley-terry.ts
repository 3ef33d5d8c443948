/**
 * Bradley–Terry strengths from pairwise outcomes (a tie counts half a win to each side, as Chatbot
 * Arena's and OpenCompass's BT summaries do), fitted by Hunter's (2004) minorise–maximise iteration
 * p_i ← W_i / Σ_j n_ij / (p_i + p_j), shown on the Elo scale: 1000 + 400·log10(p_i / p_anchor), the
 * anchor being the baseline (or the geometric mean of all players). The maximum-likelihood fit exists
 * only when every player can be reached from every other through "scored against" links (the win
 * graph is strongly connected); otherwise a player that never lost or never won would drift to ±∞, so
 * the fit is reported as undefined with the reason instead of a number.
 */

const MAX_ITERATIONS = 20000;

export interface PairOutcome {
  readonly first: string;
  readonly second: string;
  /** first's share: 1 win, 0.5 tie, 0 loss. */
  readonly firstScore: number;
}

export type BradleyTerryFit =
  | { readonly ok: true; readonly ratings: ReadonlyMap<string, number>; readonly iterations: number }
  | { readonly ok: false; readonly reason: string };

function stronglyConnected(players: readonly string[], beats: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const reach = (start: string, edges: (node: string) => Iterable<string>): number => {
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const next of edges(stack.pop() as string)) if (!seen.has(next)) { seen.add(next); stack.push(next); }
    }
    return seen.size;
  };
  const first = players[0] as string;
  const forward = reach(first, (node) => beats.get(node) ?? []);
  const backward = reach(first, (node) => players.filter((other) => beats.get(other)?.has(node)));
  return forward === players.length && backward === players.length;
}

export function fitBradleyTerry(outcomes: readonly PairOutcome[], anchor: string | null): BradleyTerryFit {
  const players = [...new Set(outcomes.flatMap((o) => [o.first, o.second]))].sort();
  if (players.length < 2) return { ok: false, reason: players.length === 0 ? 'no readable pairwise outcome to fit (every pair was left out)' : 'fewer than two models compared' };
  const index = new Map(players.map((p, i) => [p, i]));
  const n = players.length;
  const wins = new Array<number>(n).fill(0);
  const games: number[][] = players.map(() => new Array<number>(n).fill(0));
  const beats = new Map<string, Set<string>>(players.map((p) => [p, new Set<string>()]));
  for (const o of outcomes) {
    const i = index.get(o.first) as number;
    const j = index.get(o.second) as number;
    wins[i] = (wins[i] as number) + o.firstScore;
    wins[j] = (wins[j] as number) + (1 - o.firstScore);
    (games[i] as number[])[j] = ((games[i] as number[])[j] as number) + 1;
    (games[j] as number[])[i] = ((games[j] as number[])[i] as number) + 1;
    if (o.firstScore > 0) beats.get(o.first)?.add(o.second);
    if (o.firstScore < 1) beats.get(o.second)?.add(o.first);
  }
  if (!stronglyConnected(players, beats)) {
    const lopsided = players.filter((p, i) => wins[i] === 0 || wins[i] === (games[i] as number[]).reduce((a, b) => a + b, 0));
    return { ok: false, reason: `no finite fit: ${lopsided.length > 0 ? `${lopsided.join(', ')} won or lost every comparison` : 'the models split into groups that never scored against each other'}` };
  }
  let strengths = new Array<number>(n).fill(1);
  let iterations = 0;
  let converged = false;
  for (; iterations < MAX_ITERATIONS && !converged; iterations += 1) {
    const next = strengths.map((p, i) => {
      let denominator = 0;
      for (let j = 0; j < n; j += 1) if (j !== i) denominator += ((games[i] as number[])[j] as number) / (p + (strengths[j] as number));
      return (wins[i] as number) / denominator;
    });
    const logMean = next.reduce((sum, p) => sum + Math.log(p), 0) / n;
    const normalised = next.map((p) => p / Math.exp(logMean));
    const change = Math.max(...normalised.map((p, i) => Math.abs(Math.log(p) - Math.log(strengths[i] as number))));
    strengths = normalised;
    converged = change < 1e-12;
  }
  if (!converged) return { ok: false, reason: `the fit did not converge in ${MAX_ITERATIONS} iterations` };
  const anchorStrength = anchor !== null && index.has(anchor) ? (strengths[index.get(anchor) as number] as number) : 1;
  return { ok: true, ratings: new Map(players.map((p, i) => [p, 1000 + 400 * Math.log10((strengths[i] as number) / anchorStrength)])), iterations };
}
