import { startLink } from '../../src';
import { BareTokenStore } from './baseline';
import { consume, summarise, type Figures } from './measure';

/** The read/write surface the mixed load drives: the store's handle and the bare baseline both have it. */
interface LoadTarget {
  lookup(token: Uint8Array): { ok: boolean };
  buildAndStore(): Promise<Uint8Array>;
  delete(token: Uint8Array): Promise<{ ok: boolean }>;
}

export interface LoadFigures {
  readonly callers: number;
  readonly operations: number;
  readonly opsPerSecond: number;
  readonly latency: Figures;
  readonly writeLatency: Figures;
}

/** A small deterministic generator, so both targets see the same sequence of operations. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * `callers` concurrent async callers, each making `perCaller` requests: 90% lookups
 * of the current token, 10% writes (half `buildAndStore`, half `delete` of the
 * token they last saw). Every caller yields between requests, so requests from
 * all callers interleave; a write's latency includes the wait behind every other
 * caller's pending work, as it would in a busy service.
 */
async function drive(target: LoadTarget, callers: number, perCaller: number): Promise<LoadFigures> {
  let current = await target.buildAndStore();
  const all: number[] = [];
  const writes: number[] = [];
  const caller = async (seed: number) => {
    const next = lcg(seed);
    for (let i = 0; i < perCaller; i++) {
      const roll = next();
      const start = process.hrtime.bigint();
      if (roll < 0.9) {
        consume(target.lookup(current));
        all.push(Number(process.hrtime.bigint() - start));
      } else {
        if (roll < 0.95) current = await target.buildAndStore();
        else consume(await target.delete(current));
        const took = Number(process.hrtime.bigint() - start);
        all.push(took);
        writes.push(took);
      }
      await undefined;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: callers }, (_, i) => caller(i + 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    callers,
    operations: all.length,
    opsPerSecond: all.length / seconds,
    latency: summarise(all),
    writeLatency: summarise(writes),
  };
}

/** The mixed load against the store and against the baseline, alternating, best-of-rounds by median. */
export async function mixedLoad(
  callers: number,
  perCaller: number,
  rounds: number,
): Promise<{ subject: LoadFigures; baseline: LoadFigures }> {
  const store = startLink({ name: 'bench.mixed' });
  const bare = new BareTokenStore();
  const ours: LoadFigures[] = [];
  const theirs: LoadFigures[] = [];
  await drive(store, callers, 2);
  await drive(bare, callers, 2);
  for (let round = 0; round < rounds; round++) {
    theirs.push(await drive(bare, callers, perCaller));
    ours.push(await drive(store, callers, perCaller));
  }
  await store.stop();
  return { subject: medianRun(ours), baseline: medianRun(theirs) };
}

/** The round whose throughput is the median: one whole run's figures, not a mix of several. */
function medianRun(runs: LoadFigures[]): LoadFigures {
  const sorted = [...runs].sort((a, b) => a.opsPerSecond - b.opsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}
