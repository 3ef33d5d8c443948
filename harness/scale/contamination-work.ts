/**
 * A contamination run's units — (probe, item set, item) — in the order `runContamination` writes
 * them in one process (n-gram over the benchmark, then likelihood and option order over the
 * benchmark and the reference set), with an expected cost for balancing shards: the characters a
 * probe scores (× the orders compared, for the option-order probe).
 */
import { overlapText, probeText, type ContaminationItem } from '../contamination/items.js';
import { contaminationRecordKey, type ItemSet, type ProbeName } from '../contamination/contamination-records.js';
import type { ContaminationPlan } from '../contamination/runner.js';
import type { PlannedUnit } from './shard.js';

export function contaminationWorkList(plan: ContaminationPlan): PlannedUnit[] {
  const units: PlannedUnit[] = [];
  const add = (probe: ProbeName, set: ItemSet, items: readonly ContaminationItem[], cost: (item: ContaminationItem) => number): void => {
    for (const item of items) units.push({ key: contaminationRecordKey({ probe, set, item_key: item.key }), cost: cost(item) });
  };
  // Every shard that holds n-gram items scans the whole corpus once; the per-item cost is the matching.
  if (plan.probes.includes('ngram') && plan.corpus.length > 0) add('ngram', 'benchmark', plan.benchmark, (item) => overlapText(item).length);
  for (const probe of ['likelihood', 'option_order'] as const) {
    if (!plan.probes.includes(probe)) continue;
    const weight = probe === 'option_order' ? plan.orders : 1;
    add(probe, 'benchmark', plan.benchmark, (item) => probeText(item).length * weight);
    add(probe, 'reference', plan.reference, (item) => probeText(item).length * weight);
  }
  return units;
}
