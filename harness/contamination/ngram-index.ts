/**
 * N-gram overlap between benchmark items and a corpus. The index holds only the benchmark's
 * n-grams, so memory is bounded by the benchmark; corpus text streams past it one unit at a time
 * (`NgramMatcher`). Two published rules are applied to the same units (see normalise.ts):
 *
 *  - GPT-3 (Brown et al. 2020, appendix C): an item is dirty when any of its 13-grams occurs in the
 *    corpus.
 *  - PaLM (Chowdhery et al. 2022, section 8): an item is contaminated when at least 70% of its
 *    8-grams occur in the corpus (each anywhere, not necessarily in one document).
 *
 * Items shorter than n units have no n-grams; they are labelled `too-short` for that rule (counted,
 * never dropped), rather than matched on a shorter n-gram that common phrases would hit.
 */
import { textUnits } from './normalise.js';

export interface NgramRules {
  /** GPT-3 rule: n-gram length (13). */
  readonly gpt3N: number;
  /** PaLM rule: n-gram length (8); also the span length for token coverage. */
  readonly palmN: number;
  /** PaLM rule: fraction of the item's n-grams that must be found (0.7). */
  readonly palmThreshold: number;
}

export const DEFAULT_NGRAM_RULES: NgramRules = { gpt3N: 13, palmN: 8, palmThreshold: 0.7 };

export type Gpt3Label = 'dirty' | 'clean' | 'too-short';
export type OverlapLabel = 'dirty' | 'partial' | 'clean' | 'too-short';

/** Where a corpus match was seen first. */
export interface CorpusLocation {
  readonly file: string;
  /** 1-based line (text files) or record line (JSONL). */
  readonly line: number;
}

export interface ItemOverlap {
  /** Normalised units in the item text. */
  readonly units: number;
  readonly gpt3: { readonly n: number; readonly total: number; readonly matched: number; readonly label: Gpt3Label };
  readonly palm: {
    readonly n: number;
    readonly total: number;
    readonly matched: number;
    /** matched / total; null when the item has no n-grams. */
    readonly fraction: number | null;
    readonly threshold: number;
    readonly label: OverlapLabel;
  };
  /** Share of the item's units inside at least one matched PaLM-length n-gram; null when too short. */
  readonly coverage: number | null;
  /**
   * Overall: dirty when the PaLM rule fires; partial when a 13-gram or some 8-grams are found but
   * under the PaLM threshold; clean when no n-gram is found.
   */
  readonly label: OverlapLabel;
  /** Up to three longest stretches covered by found n-grams (normalised, cut at 40 units), in item order. */
  readonly examples: readonly string[];
  readonly firstMatch: CorpusLocation | null;
}

const EXAMPLES_KEPT = 3;
/** Units shown per example span. */
const EXAMPLE_UNITS = 40;

/** Benchmark n-grams, per rule length, with per-item flags of which were found in the corpus. */
export class BenchmarkNgramIndex {
  readonly rules: NgramRules;
  /** Every unit that appears in any item: a corpus unit outside it cannot be part of a match. */
  readonly vocabulary = new Set<string>();
  readonly lengths: readonly number[];
  readonly ascendingLengths: readonly number[];
  private readonly itemUnits: string[][];
  /** n → n-gram text → flat [item, position, item, position, …]. */
  private readonly postings = new Map<number, Map<string, number[]>>();
  /** n → per item, a flag per n-gram position. */
  private readonly found = new Map<number, Uint8Array[]>();
  private readonly firstMatches: (CorpusLocation | null)[];

  constructor(itemTexts: readonly string[], rules: NgramRules = DEFAULT_NGRAM_RULES) {
    this.rules = rules;
    this.lengths = [...new Set([rules.gpt3N, rules.palmN])].sort((a, b) => b - a);
    this.ascendingLengths = [...this.lengths].reverse();
    this.itemUnits = itemTexts.map((text) => textUnits(text));
    this.firstMatches = itemTexts.map(() => null);
    for (const units of this.itemUnits) for (const unit of units) this.vocabulary.add(unit);
    for (const n of this.lengths) {
      const table = new Map<string, number[]>();
      const flags: Uint8Array[] = [];
      this.itemUnits.forEach((units, item) => {
        const count = Math.max(0, units.length - n + 1);
        flags.push(new Uint8Array(count));
        for (let position = 0; position < count; position += 1) {
          const key = units.slice(position, position + n).join(' ');
          const list = table.get(key);
          if (list) list.push(item, position);
          else table.set(key, [item, position]);
        }
      });
      this.postings.set(n, table);
      this.found.set(n, flags);
    }
  }

  get longest(): number {
    return this.lengths[0] ?? 0;
  }

  /** Marks every item position holding this n-gram as found; returns whether any did. */
  markFound(n: number, key: string, locate: () => CorpusLocation): boolean {
    const list = this.postings.get(n)?.get(key);
    if (!list) return false;
    const flags = this.found.get(n);
    for (let index = 0; index < list.length; index += 2) {
      const item = list[index] as number;
      const itemFlags = flags?.[item];
      if (itemFlags) itemFlags[list[index + 1] as number] = 1;
      if (this.firstMatches[item] === null) this.firstMatches[item] = locate();
    }
    return true;
  }

  /** Per-item results in item order. */
  overlaps(): ItemOverlap[] {
    return this.itemUnits.map((units, item) => this.overlapOf(units, item));
  }

  private overlapOf(units: readonly string[], item: number): ItemOverlap {
    const { gpt3N, palmN, palmThreshold } = this.rules;
    const gpt3Flags = this.found.get(gpt3N)?.[item] ?? new Uint8Array(0);
    const palmFlags = this.found.get(palmN)?.[item] ?? new Uint8Array(0);
    const gpt3Matched = countSet(gpt3Flags);
    const palmMatched = countSet(palmFlags);
    const gpt3Label: Gpt3Label = gpt3Flags.length === 0 ? 'too-short' : gpt3Matched > 0 ? 'dirty' : 'clean';
    const fraction = palmFlags.length === 0 ? null : palmMatched / palmFlags.length;
    const palmLabel: OverlapLabel =
      fraction === null ? 'too-short' : fraction >= palmThreshold ? 'dirty' : palmMatched > 0 ? 'partial' : 'clean';
    const covered = new Uint8Array(units.length);
    palmFlags.forEach((flag, position) => {
      if (flag) covered.fill(1, position, position + palmN);
    });
    const label: OverlapLabel =
      palmLabel === 'dirty' ? 'dirty' : palmLabel === 'partial' || gpt3Label === 'dirty' ? 'partial' : palmLabel;
    // Evidence to read: the longest stretches of the item covered by found n-grams, in item order.
    const spans: [number, number][] = [];
    for (let start = 0; start < covered.length; start += 1) {
      if (!covered[start]) continue;
      let end = start;
      while (end < covered.length && covered[end]) end += 1;
      spans.push([start, end]);
      start = end;
    }
    const examples = spans
      .sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0])
      .slice(0, EXAMPLES_KEPT)
      .sort((a, b) => a[0] - b[0])
      .map(([start, end]) => {
        const shown = units.slice(start, Math.min(end, start + EXAMPLE_UNITS)).join(' ');
        return end - start > EXAMPLE_UNITS ? `${shown} …` : shown;
      });
    return {
      units: units.length,
      gpt3: { n: gpt3N, total: gpt3Flags.length, matched: gpt3Matched, label: gpt3Label },
      palm: { n: palmN, total: palmFlags.length, matched: palmMatched, fraction, threshold: palmThreshold, label: palmLabel },
      coverage: palmFlags.length === 0 ? null : countSet(covered) / units.length,
      label,
      examples,
      firstMatch: this.firstMatches[item] ?? null,
    };
  }
}

function countSet(flags: Uint8Array): number {
  let count = 0;
  for (const flag of flags) count += flag;
  return count;
}

/**
 * Slides windows of the index's n-gram lengths over a stream of corpus units. Only runs of units
 * that all occur in the benchmark vocabulary are looked up, so unrelated text costs one set lookup
 * per unit. Call `endDocument` where n-grams must not continue (between JSONL records, files).
 */
export class NgramMatcher {
  private readonly index: BenchmarkNgramIndex;
  /** Where the stream is now; called only when a match is found. */
  private readonly locate: () => CorpusLocation;
  private readonly window: string[] = [];
  /** Consecutive units (ending at the newest) that are in the benchmark vocabulary. */
  private knownRun = 0;
  matches = 0;

  constructor(index: BenchmarkNgramIndex, locate: () => CorpusLocation) {
    this.index = index;
    this.locate = locate;
  }

  push(unit: string): void {
    const longest = this.index.longest;
    if (!this.index.vocabulary.has(unit)) {
      this.knownRun = 0;
      this.window.length = 0;
      return;
    }
    this.knownRun += 1;
    this.window.push(unit);
    if (this.window.length > longest) this.window.shift();
    // Shortest first: the last n units of an indexed longer n-gram are themselves an indexed
    // n-gram of the same item, so a miss at the shorter length rules out every longer one.
    for (const n of this.index.ascendingLengths) {
      if (this.knownRun < n) break;
      const key = n === this.window.length ? this.window.join(' ') : this.window.slice(this.window.length - n).join(' ');
      if (!this.index.markFound(n, key, this.locate)) break;
      this.matches += 1;
    }
  }

  endDocument(): void {
    this.knownRun = 0;
    this.window.length = 0;
  }
}
