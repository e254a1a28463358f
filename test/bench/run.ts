import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, verdictLine } from './budgets';
import { clusterRows } from './clusterReplica';
import { crashToReady } from './crashToReady';
import { mixedLoad } from './mixedLoad';
import { inspectionCost, lookupRows, parentRoundTripRow, writeRows, type Row } from './operations';
import { heapSoak, lifecycleSoak } from './soak';

/**
 * `npm run bench`: every figure beside the bare baseline measured in the same
 * run, then one PASS/FAIL line per budget, then bench-results.json. The exit code
 * stays 0 when a budget fails: the lines are the verdict, and a noisy machine
 * must not break a build. `--quick` scales the soaks and the load down tenfold,
 * for trying a change; budgets are only meaningful from a full run.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const scale = quick ? 10 : 1;
  const startedAt = new Date();

  const rows: Row[] = [...(await lookupRows()), ...(await writeRows()), parentRoundTripRow(), ...(await clusterRows())];
  const inspection = await inspectionCost();
  const restart = await crashToReady(quick ? 200 : 2_000);
  const load = await mixedLoad(10_000, 10 / (quick ? 5 : 1), quick ? 1 : 3);
  const lifecycle = await lifecycleSoak(10_000 / scale);
  const heap = await heapSoak(1_000_000 / scale);

  const ns = (n: number) => n.toFixed(0).padStart(9);
  console.log(`break-glass bench, Node ${process.version}, ${startedAt.toISOString()}${quick ? ' (quick)' : ''}`);
  console.log('operation'.padEnd(38) + 'median ns'.padStart(10) + 'p99 ns'.padStart(10) +
    'bare med'.padStart(10) + 'bare p99'.padStart(10) + 'ratio'.padStart(8));
  for (const row of rows) {
    const ratio = row.subject.medianNs / row.baseline.medianNs;
    console.log(row.name.padEnd(38) + ns(row.subject.medianNs) + ' ' + ns(row.subject.p99Ns) + ' ' +
      ns(row.baseline.medianNs) + ' ' + ns(row.baseline.p99Ns) + `${ratio.toFixed(2)}x`.padStart(8));
  }
  const readyNs = restart.crash.medianNs - restart.build.medianNs;
  console.log(
    `crash -> ready under startSupervisor: ${ns(readyNs).trim()} ns median ` +
      `(${ns(restart.crash.medianNs).trim()} ns including the first build, p99 ${ns(restart.crash.p99Ns).trim()}; ` +
      `a build alone ${ns(restart.build.medianNs).trim()} ns; no baseline)`,
  );
  const kops = (n: number) => `${(n / 1000).toFixed(0)}k ops/s`;
  const ms = (n: number) => `${(n / 1e6).toFixed(1)}ms`;
  console.log(
    `mixed load, ${load.subject.callers} callers, ${load.subject.operations} ops (90% lookup): ` +
      `${kops(load.subject.opsPerSecond)} vs bare ${kops(load.baseline.opsPerSecond)} ` +
      `(${(load.baseline.opsPerSecond / load.subject.opsPerSecond).toFixed(2)}x slower); ` +
      `p99 ${ms(load.subject.latency.p99Ns)} vs ${ms(load.baseline.latency.p99Ns)}; ` +
      `write p99 ${ms(load.subject.writeLatency.p99Ns)} vs ${ms(load.baseline.writeLatency.p99Ns)}`,
  );
  console.log(
    `inspector on/off: lookup ${ns(inspection.lookup.inspected.medianNs).trim()}/${ns(inspection.lookup.plain.medianNs).trim()} ns, ` +
      `build ${ns(inspection.build.inspected.medianNs).trim()}/${ns(inspection.build.plain.medianNs).trim()} ns`,
  );
  console.log(
    `heap soak: ${heap.cycles} build/lookup/delete cycles in ${heap.seconds.toFixed(1)}s, ` +
      `heap growth after GC ${(heap.heapGrowthBytes / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `lifecycle soak: ${lifecycle.cycles} start/build/crash cycles in ${lifecycle.seconds.toFixed(1)}s, ` +
      `heap growth after GC ${(lifecycle.heapGrowthBytes / 1024).toFixed(0)} KiB`,
  );

  const verdicts = judge(rows, inspection, heap, lifecycle, readyNs);
  for (const verdict of verdicts) console.log(verdictLine(verdict));

  const results = { node: process.version, startedAt, quick, rows, restart, inspection, load, heap, lifecycle, verdicts };
  writeFileSync(join(process.cwd(), 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
