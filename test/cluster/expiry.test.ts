import { MessageChannel } from 'node:worker_threads';
import { parentPortChannel } from '../../src/cluster/channel';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import { openReplica } from '../../src/cluster/replica';
import { tokenDigest } from '../../src/cluster/replicaVerifier';
import { closeAll, nextMessage, ownedStore, replicaOf } from './support/ports';

afterEach(closeAll);

/** A clock the test moves by hand. */
function manualClock(start: number): { now: () => number; set: (tick: number) => void } {
  let tick = start;
  return { now: () => tick, set: (next) => void (tick = next) };
}

// A minute: the store's own expiry timer never fires during a test, so any refusal is the replica's own.
const TTL_MS = 60_000;

describe('a replica of a store with ttlMs', () => {
  it('refuses the token from its own deadline on, while the store (whose clock stands still) still accepts it', async () => {
    const storeClock = manualClock(0);
    const { store, owner } = ownedStore({ ttlMs: TTL_MS, monotonicNow: storeClock.now });
    const clockA = manualClock(1_000);
    const clockB = manualClock(500_000);
    const a = await replicaOf(owner, 'a', { monotonicNow: clockA.now });
    const b = await replicaOf(owner, 'b', { monotonicNow: clockB.now });
    const token = await owner.buildAndStore();

    // A has matched the token once (and keeps its bytes sealed); B answers from the digest alone.
    clockA.set(30_000);
    expect(a.replica.lookup(token).ok).toBe(true);
    clockA.set(1_000 + TTL_MS - 1);
    clockB.set(500_000 + TTL_MS - 1);
    expect(a.replica.lookup(token).ok).toBe(true);
    expect(b.replica.lookup(token).ok).toBe(true);

    clockA.set(1_000 + TTL_MS);
    clockB.set(500_000 + TTL_MS);
    expect(a.replica.lookup(token)).toEqual({ ok: false });
    expect(b.replica.lookup(token)).toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);

    // A clock that steps back does not bring the token back.
    clockA.set(1_000);
    expect(a.replica.lookup(token)).toEqual({ ok: false });
    expect(await a.replica.delete(token)).toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('turns the time left when it is sent the state into a deadline on its own clock', async () => {
    const storeClock = manualClock(0);
    const { owner } = ownedStore({ ttlMs: TTL_MS, monotonicNow: storeClock.now });
    const token = await owner.buildAndStore();
    storeClock.set(45_000);
    const replicaClock = manualClock(7);
    const { replica, seen } = await replicaOf(owner, 'late', { monotonicNow: replicaClock.now });
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'state', verifier: expect.objectContaining({ remainingMs: 15_000 }) }));
    replicaClock.set(7 + 15_000 - 1);
    expect(replica.lookup(token).ok).toBe(true);
    replicaClock.set(7 + 15_000);
    expect(replica.lookup(token)).toEqual({ ok: false });
  });

  it('sends no time left, never a negative one, for a token past its deadline whose expiry has not reached the store yet', async () => {
    const storeClock = manualClock(0);
    const { store, owner } = ownedStore({ ttlMs: TTL_MS, monotonicNow: storeClock.now });
    const token = await owner.buildAndStore();
    storeClock.set(TTL_MS + 5_000);
    const { replica, seen } = await replicaOf(owner, 'past deadline', { monotonicNow: manualClock(0).now });
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'state', verifier: expect.objectContaining({ remainingMs: 0 }) }));
    expect(replica.lookup(token)).toEqual({ ok: false });
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  it('sends no deadline for a store without ttlMs, and its replicas accept the token whatever their clock says', async () => {
    const { owner } = ownedStore();
    const clock = manualClock(0);
    const { replica, seen } = await replicaOf(owner, 'no ttl', { monotonicNow: clock.now });
    const token = await owner.buildAndStore();
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'state', verifier: expect.objectContaining({ remainingMs: null }) }));
    clock.set(Number.MAX_SAFE_INTEGER);
    expect(replica.lookup(token).ok).toBe(true);
  });

  it('refuses a state whose time left is malformed, and keeps the deadline it had', async () => {
    const { port1, port2 } = new MessageChannel();
    const clock = manualClock(0);
    const replica = openReplica({ channel: parentPortChannel(port1, 'test owner'), name: 'test', monotonicNow: clock.now });
    const token = Buffer.alloc(32, 7);
    const verifier = { digest: tokenDigest(token).toString('base64'), insertedAtMs: 1_700_000_000_000 };
    const acked = (version: number) => nextMessage(port2, (message) => message.kind === 'ack' && message.version === version);
    try {
      const first = acked(1);
      port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'test', version: 1, verifier: { ...verifier, remainingMs: 1_000 } });
      await first;
      expect(replica.lookup(token).ok).toBe(true);

      const malformed: unknown[] = [-1, '60000', Number.NaN, Number.POSITIVE_INFINITY, undefined, {}];
      for (const [index, remainingMs] of malformed.entries()) {
        port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'test', version: 2 + index, verifier: { ...verifier, remainingMs } });
      }
      // A well-formed message behind them: by its answer, every malformed one has been read.
      const probe = acked(1);
      port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'test', version: 1, verifier: null });
      await probe;
      expect(replica.version).toBe(1);
      clock.set(999);
      expect(replica.lookup(token).ok).toBe(true);
      clock.set(1_000);
      expect(replica.lookup(token)).toEqual({ ok: false });
    } finally {
      replica.close();
      port1.close();
      port2.close();
    }
  });
});
