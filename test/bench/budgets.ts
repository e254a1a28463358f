import type { InspectionCost, Row } from './operations';
import type { LifecycleSoakFigures, HeapSoakFigures } from './soak';

/** One budget, judged on this run's figures. */
export interface Verdict {
  readonly name: string;
  readonly pass: boolean;
  readonly measured: string;
  readonly budget: string;
}

const ratio = (value: number) => `${value.toFixed(2)}x`;
const micros = (ns: number) => `${(ns / 1000).toFixed(2)}us`;

function row(rows: readonly Row[], name: string): Row {
  const found = rows.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`bench: no row named ${name}`);
  return found;
}

/**
 * The performance budgets. They live here and only here: unit tests never time
 * anything, because a timed assertion on a shared machine fails for reasons that
 * have nothing to do with the code.
 */
export function judge(
  rows: readonly Row[],
  inspection: InspectionCost,
  heap: HeapSoakFigures,
  lifecycle: LifecycleSoakFigures,
  crashToReadyNs: number,
): Verdict[] {
  const verdicts: Verdict[] = [];
  const check = (name: string, measured: number, limit: number, show: (n: number) => string) =>
    verdicts.push({ name, pass: measured <= limit, measured: show(measured), budget: `<= ${show(limit)}` });

  const hit = row(rows, 'lookup hit');
  check('lookup-hit-vs-baseline', hit.subject.medianNs / hit.baseline.medianNs, 2, ratio);
  check('buildAndStore-median', row(rows, 'buildAndStore').subject.medianNs, 6_500, micros);
  check('clear-median', row(rows, 'clear').subject.medianNs, 3_000, micros);

  // The supervised restart, less the one build that proves the new owner takes requests.
  check('crash-to-ready-median', crashToReadyNs, 50_000, micros);

  const { build, lookup } = inspection;
  check('inspector-cost-on-writes', build.inspected.medianNs / build.plain.medianNs, 2, ratio);
  // "Nothing" on a noisy machine: within 15%, the spread seen between rounds of the same lookup.
  check('inspector-cost-on-lookups', lookup.inspected.medianNs / lookup.plain.medianNs, 1.15, ratio);

  check('heap-growth-after-gc', heap.heapGrowthBytes, 1024 * 1024, (b) => `${(b / 1024).toFixed(0)}KiB`);
  const leftovers = lifecycle.leftoverTimers + lifecycle.leftoverListeners + lifecycle.leftoverNames;
  verdicts.push({
    name: 'crash-restart-leftovers',
    pass: leftovers === 0 && lifecycle.leftoverHandles <= 0,
    measured:
      `timers=${lifecycle.leftoverTimers} listeners=${lifecycle.leftoverListeners} ` +
      `names=${lifecycle.leftoverNames} handles=${lifecycle.leftoverHandles}`,
    budget: 'all 0',
  });
  return verdicts;
}

export function verdictLine(verdict: Verdict): string {
  return `${verdict.pass ? 'PASS' : 'FAIL'} ${verdict.name} ${verdict.measured} ${verdict.budget}`;
}
