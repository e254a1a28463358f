import type { InspectionEvent } from 'xstate';
import { startLink, type TokenStoreHandle, type TokenStoreOptions } from '../../src';

const started: TokenStoreHandle[] = [];

/** Starts a store that `stopAllStores` stops after the test. */
export function startStore(options: TokenStoreOptions = {}): TokenStoreHandle {
  const store = startLink(options);
  started.push(store);
  return store;
}

export async function stopAllStores(): Promise<void> {
  await Promise.all(started.splice(0).map((store) => store.stop()));
}

/** A random source that hands out 32-byte tokens whose every byte is `seed`, `seed + 1`, …, for readable tests. */
export function countingRandomSource(firstSeed = 1): (size: number) => Uint8Array {
  let seed = firstSeed;
  return (size) => Buffer.alloc(size, seed++);
}

/** Records the events an actor system delivers to its actors (raw `inspect` observer). */
export function eventRecorder(): { inspect: (event: InspectionEvent) => void; eventTypes: () => string[] } {
  const seen: InspectionEvent[] = [];
  return {
    inspect: (event) => seen.push(event),
    eventTypes: () => seen.flatMap((event) => (event.type === '@xstate.event' ? [event.event.type] : [])),
  };
}
