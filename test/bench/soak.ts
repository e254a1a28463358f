import { startLink, whereis, type TokenStoreHandle } from '../../src';
import { cryptoRandomSource } from '../../src/lib/entropy';

/** Forces full collections until the heap stops shrinking, so two readings compare live objects only. */
function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the bench with node --expose-gc (npm run bench does)');
  let previous = Number.POSITIVE_INFINITY;
  let used = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10 && used < previous; i++) {
    previous = used;
    gc();
    used = process.memoryUsage().heapUsed;
  }
  return used;
}

export interface HeapSoakFigures {
  readonly cycles: number;
  readonly seconds: number;
  readonly heapGrowthBytes: number;
}

/**
 * Build, look up, delete, `cycles` times, on one store with an expiry (so every
 * build also arms and cancels a timer). The heap is read after a warm-up, so
 * compiled code and pools that fill once are not counted as growth.
 */
export async function heapSoak(cycles: number): Promise<HeapSoakFigures> {
  const store = startLink({ name: 'bench.heap-soak', ttlMs: 60_000 });
  const cycle = async () => {
    const token = await store.buildAndStore();
    if (!store.lookup(token).ok) throw new Error('soak: a fresh token was refused');
    if (!(await store.delete(token)).ok) throw new Error('soak: a fresh token could not be deleted');
  };
  for (let i = 0; i < 20_000; i++) await cycle();
  const before = settledHeap();
  const started = process.hrtime.bigint();
  for (let i = 0; i < cycles; i++) await cycle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const heapGrowthBytes = settledHeap() - before;
  await store.stop();
  return { cycles, seconds, heapGrowthBytes };
}

/** What a process holds on behalf of stores: timers, handles, listeners. */
function resources(): { timers: number; handles: number; listeners: number } {
  const active = process.getActiveResourcesInfo();
  const listeners = process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
  return { timers: active.filter((kind) => kind === 'Timeout').length, handles: active.length, listeners };
}

export interface LifecycleSoakFigures {
  readonly cycles: number;
  readonly seconds: number;
  readonly leftoverTimers: number;
  readonly leftoverHandles: number;
  readonly leftoverListeners: number;
  readonly leftoverNames: number;
  readonly heapGrowthBytes: number;
}

/**
 * Starts a store, builds a token (arming its expiry timer), crashes the store
 * through its random source, and starts the next one under the same name,
 * `cycles` times. Afterwards nothing may be left: no timers, no listeners, no
 * names in the registry.
 */
export async function lifecycleSoak(cycles: number): Promise<LifecycleSoakFigures> {
  let failNext = false;
  const randomBytes = (size: number) => {
    if (failNext) throw new Error('entropy source failed');
    return cryptoRandomSource(size);
  };
  const names = ['bench.lifecycle.a', 'bench.lifecycle.b'];
  const runOne = async (name: string) => {
    failNext = false;
    const store: TokenStoreHandle = startLink({ name, ttlMs: 60_000, randomBytes });
    await store.buildAndStore();
    failNext = true;
    await store.buildAndStore().then(
      () => {
        throw new Error('soak: a store with a failing random source built a token');
      },
      () => undefined,
    );
  };
  for (let i = 0; i < 200; i++) await runOne(names[i % 2]!);
  const before = resources();
  const heapBefore = settledHeap();
  const started = process.hrtime.bigint();
  for (let i = 0; i < cycles; i++) await runOne(names[i % 2]!);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = resources();
  return {
    cycles,
    seconds,
    leftoverTimers: after.timers - before.timers,
    leftoverHandles: after.handles - before.handles,
    leftoverListeners: after.listeners - before.listeners,
    leftoverNames: names.filter((name) => whereis(name) !== undefined).length,
    heapGrowthBytes: settledHeap() - heapBefore,
  };
}
