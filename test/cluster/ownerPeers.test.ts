import type { AuditEvent } from '../../src/audit';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import type { ReplicaOwner } from '../../src/cluster/replicaOwner';
import { tokenDigest } from '../../src/cluster/replicaVerifier';
import { serveReplicas } from '../../src/cluster/serveReplicas';
import { startLink } from '../../src/startLink';
import { encodeToken } from '../../src/token';
import { fakeChannel, replicaSays, type FakeChannel } from './support/fakeChannel';
import { closeAll, ownedStore } from './support/ports';

afterEach(closeAll);

/** Runs every queued promise callback. */
async function flush(): Promise<void> {
  for (let round = 0; round < 20; round += 1) await Promise.resolve();
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  return settled;
}

/** Attaches a fake channel to `owner` and says hello on it. */
function joinedChannel(owner: ReplicaOwner, label?: string): FakeChannel {
  const channel = fakeChannel(label);
  owner.attach(channel);
  channel.deliver(replicaSays(owner.name).hello());
  return channel;
}

/** Acknowledges every state sent on `channel` from now on, a microtask later, as a live replica would. */
function acknowledging(channel: FakeChannel, name: string): FakeChannel {
  const send = channel.send.bind(channel);
  channel.send = (message) => {
    send(message);
    const { kind, version } = message as { kind?: string; version?: number };
    if (kind === 'state') queueMicrotask(() => channel.deliver(replicaSays(name).ack(version!)));
  };
  return channel;
}

const states = (channel: FakeChannel) => channel.sent.filter((message) => message.kind === 'state');
const replies = (channel: FakeChannel) => channel.sent.filter((message) => message.kind === 'reply');

describe('an owner and the replicas it serves', () => {
  it('answers a hello with the current state, and reports the replica as joined once', async () => {
    const { store, owner, audit } = ownedStore({ now: () => 1_700_000_000_000 });
    const token = await owner.buildAndStore();
    const channel = fakeChannel('replica 1');
    owner.attach(channel);
    expect(owner.replicas).toBe(0);
    channel.deliver(replicaSays(owner.name).hello());
    const state = {
      tag: REPLICA_TAG,
      kind: 'state',
      name: store.name,
      version: owner.version,
      verifier: { digest: tokenDigest(token).toString('base64'), insertedAtMs: 1_700_000_000_000, remainingMs: null },
    };
    expect(channel.sent).toStrictEqual([state]);
    channel.deliver(replicaSays(owner.name).hello());
    expect(channel.sent).toStrictEqual([state, state]);
    expect(audit.filter((event) => event.type === 'replica.joined')).toEqual([{ type: 'replica.joined', replica: 'replica 1', at: expect.any(Date) }]);
    expect(owner.replicas).toBe(1);
  });

  it('counts its versions: 1 for the state it starts from, one more per change, none for a refresh that finds no change', async () => {
    const { owner } = ownedStore();
    expect(owner.version).toBe(1);
    await owner.whenConfirmed();
    expect(owner.version).toBe(1);
    await owner.buildAndStore();
    expect(owner.version).toBe(2);
    await owner.clear();
    expect(owner.version).toBe(3);
    await owner.clear();
    await owner.whenConfirmed();
    expect(owner.version).toBe(3);
  });

  it('sends changes only to replicas that said hello, and resolves a write once each of them acknowledged its version', async () => {
    const { owner } = ownedStore();
    const quiet = fakeChannel('attached, no hello');
    owner.attach(quiet);
    const joined = joinedChannel(owner, 'joined');
    const building = owner.buildAndStore();
    await flush();
    expect(await isSettled(building)).toBe(false);
    const [, change] = states(joined);
    expect(change).toMatchObject({ kind: 'state', version: 2, verifier: { digest: expect.any(String) } });
    joined.deliver(replicaSays(owner.name).ack(1));
    expect(await isSettled(building)).toBe(false);
    joined.deliver(replicaSays(owner.name).ack(2));
    const token = await building;
    expect(change!.verifier).toMatchObject({ digest: tokenDigest(token).toString('base64') });
    expect(quiet.sent).toEqual([]);
  });

  it('drops a joined replica whose channel closes: reported as exited, not severed, no longer waited on', async () => {
    const { owner, audit } = ownedStore();
    const leaving = joinedChannel(owner, 'leaving');
    const live = acknowledging(joinedChannel(owner, 'live'), owner.name);
    const unjoined = fakeChannel('never joined');
    owner.attach(unjoined);
    const building = owner.buildAndStore();
    await flush();
    expect(await isSettled(building)).toBe(false);
    leaving.close();
    unjoined.close();
    // At once: the write no longer waits on the replica that left.
    expect(await isSettled(building)).toBe(true);
    expect(audit.filter((event) => event.type === 'replica.dropped')).toEqual([
      { type: 'replica.dropped', replica: 'leaving', reason: 'exited', at: expect.any(Date) },
    ]);
    expect([leaving.severed, unjoined.severed, leaving.listeners, unjoined.listeners]).toEqual([0, 0, 0, 0]);
    expect(owner.replicas).toBe(1);
    await owner.clear();
    expect(states(leaving)).toHaveLength(2);
    expect(states(live)).toHaveLength(3);
  });

  it('severs a joined replica that stays silent past ackTimeoutMs, reports it unresponsive, and goes on without it', async () => {
    const { owner, audit } = ownedStore({ ackTimeoutMs: 30 });
    const silent = joinedChannel(owner, 'silent');
    await owner.buildAndStore();
    expect(silent.severed).toBe(1);
    expect(audit.filter((event) => event.type === 'replica.dropped')).toEqual([
      { type: 'replica.dropped', replica: 'silent', reason: 'unresponsive', at: expect.any(Date) },
    ]);
    expect([owner.replicas, silent.listeners]).toEqual([0, 0]);
    // Dropped, it is sent nothing more, and a later close of its channel reports nothing.
    silent.close();
    await owner.clear();
    expect(states(silent)).toHaveLength(2);
    expect(audit.filter((event) => event.type === 'replica.dropped')).toHaveLength(1);
  });

  it('neither severs nor reports a late replica that the application detached while another late one was being dropped', async () => {
    let detachSecond = (): void => undefined;
    const audit: AuditEvent[] = [];
    const { owner } = ownedStore({
      ackTimeoutMs: 30,
      onAudit: (event) => {
        audit.push(event);
        if (event.type === 'replica.dropped') detachSecond();
      },
    });
    const first = joinedChannel(owner, 'first');
    const second = fakeChannel('second');
    detachSecond = owner.attach(second);
    second.deliver(replicaSays(owner.name).hello());
    await owner.buildAndStore();
    expect([first.severed, second.severed]).toEqual([1, 0]);
    expect(audit.filter((event) => event.type === 'replica.dropped')).toEqual([
      { type: 'replica.dropped', replica: 'first', reason: 'unresponsive', at: expect.any(Date) },
    ]);
    expect(owner.replicas).toBe(0);
  });

  it('drops, without a report, a replica that never joined and leaves', () => {
    const { owner, audit } = ownedStore({ ackTimeoutMs: 30 });
    const channel = fakeChannel();
    owner.attach(channel);
    channel.close();
    expect(channel.listeners).toBe(0);
    expect(audit.filter((event) => event.type.startsWith('replica.'))).toEqual([]);
  });

  it('answers a malformed call with ERR_REPLICA_PROTOCOL and reports it; reports a malformed message without a call id and answers nothing', () => {
    const { owner, audit } = ownedStore();
    const channel = fakeChannel('raw');
    owner.attach(channel);
    channel.deliver({ tag: REPLICA_TAG, kind: 'call', name: owner.name, id: 0, op: 'dump' });
    channel.deliver({ tag: REPLICA_TAG, kind: 'ack', name: owner.name, version: 'one' });
    channel.deliver({ tag: REPLICA_TAG, kind: 'call', name: owner.name, id: -1, op: 'clear' });
    expect(channel.sent).toStrictEqual([{ tag: REPLICA_TAG, kind: 'reply', name: owner.name, id: 0, error: 'ERR_REPLICA_PROTOCOL' }]);
    expect(audit.filter((event) => event.type === 'replica.rejected')).toEqual(
      Array.from({ length: 3 }, () => ({ type: 'replica.rejected', replica: 'raw', reason: 'malformed_message', at: expect.any(Date) })),
    );
    expect(owner.replicas).toBe(0);
  });

  it('serves a channel attached twice once, and stops serving it on detach', async () => {
    const { owner } = ownedStore();
    const channel = fakeChannel();
    const detach = owner.attach(channel);
    expect(owner.attach(channel)).toBe(detach);
    expect(channel.listeners).toBe(2);
    channel.deliver(replicaSays(owner.name).hello());
    expect(states(channel)).toHaveLength(1);
    const building = owner.buildAndStore();
    await flush();
    detach();
    detach();
    expect(await isSettled(building)).toBe(true);
    expect([channel.listeners, owner.replicas]).toEqual([0, 0]);
    channel.deliver(replicaSays(owner.name).hello());
    await owner.clear();
    expect(states(channel)).toHaveLength(2);
    // Attached again after a detach, it is a new replica, which the first detach no longer touches.
    expect(owner.attach(channel)).not.toBe(detach);
    channel.deliver(replicaSays(owner.name).hello());
    expect(states(channel)).toHaveLength(3);
    detach();
    expect(owner.replicas).toBe(1);
    const rebuilding = owner.buildAndStore();
    const change = await channel.sentMessage((message) => message.kind === 'state' && message.version === 4);
    channel.deliver(replicaSays(owner.name).ack(change.version as number));
    await rebuilding;
  });

  it('does not answer a call of a replica detached before the answer', async () => {
    const { owner, store } = ownedStore();
    const token = await owner.buildAndStore();
    const channel = fakeChannel();
    const detach = owner.attach(channel);
    channel.deliver(replicaSays(owner.name).hello());
    channel.deliver(replicaSays(owner.name).call(1, 'clear'));
    detach();
    // Writes are applied one at a time: once this one is done, the call's answer was given or withheld.
    await owner.clear();
    expect(replies(channel)).toEqual([]);
    expect(store.lookup(token)).toEqual({ ok: false });
  });
});

describe('an owner\'s own writes', () => {
  it('answers each as the store does, once every joined replica holds the state it left', async () => {
    const { store, owner } = ownedStore({ now: () => 1_700_000_000_000 });
    const channel = acknowledging(joinedChannel(owner), owner.name);
    const token = await owner.buildAndStore();
    expect(owner.lookup(token)).toEqual({ ok: true, insertedAt: new Date(1_700_000_000_000) });
    expect(await owner.delete(Buffer.alloc(32, 1))).toEqual({ ok: false });
    expect(await owner.delete(token)).toEqual({ ok: true });
    expect(await owner.consume(token)).toEqual({ ok: false });
    const second = await owner.buildAndStore();
    expect(await owner.consume(second)).toEqual({ ok: true, insertedAt: new Date(1_700_000_000_000) });
    const third = await owner.buildAndStore();
    expect(await owner.clear()).toEqual({ ok: true });
    expect(store.lookup(third)).toEqual({ ok: false });
    expect(owner.lookup(third)).toEqual({ ok: false });
    expect(states(channel).map((state) => [state.version, state.verifier === null])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [4, false],
      [5, true],
      [6, false],
      [7, true],
    ]);
  });
});

describe('an owner that closes', () => {
  it('sends every joined replica an empty state, stops listening, ends waiting writes, and refuses later ones; the store runs on', async () => {
    const { store, owner } = ownedStore();
    const token = await owner.buildAndStore();
    const silent = joinedChannel(owner, 'silent');
    const unjoined = fakeChannel();
    owner.attach(unjoined);
    const building = owner.buildAndStore();
    await flush();
    const version = owner.version;
    owner.close();
    expect(states(silent).at(-1)).toStrictEqual({ tag: REPLICA_TAG, kind: 'state', name: owner.name, version: version + 1, verifier: null });
    expect(owner.version).toBe(version + 1);
    const built = await building;
    expect([silent.listeners, unjoined.listeners, owner.replicas, unjoined.sent.length]).toEqual([0, 0, 0, 0]);
    expect(store.lookup(built).ok).toBe(true);
    expect(store.lookup(token)).toEqual({ ok: false });
    await expect(owner.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING', storeName: store.name });
    await expect(owner.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    // It no longer follows the store, and a second close sends nothing.
    await store.buildAndStore();
    await owner.whenConfirmed();
    owner.close();
    expect(owner.version).toBe(version + 1);
    expect(states(silent)).toHaveLength(3);
  });

  it("leaves the store's audit trail as it found it: failed lookups go uncounted until someone listens, as on a store never served", async () => {
    // A fixed clock: every report after the first would fall within the window.
    const options = { now: () => 1_700_000_000_000, failedLookupWindowMs: 60_000 };
    const served = startLink({ name: 'owner-closes.served', ...options });
    const unserved = startLink({ name: 'owner-closes.unserved', ...options });
    serveReplicas(served).close();
    try {
      const heard = [served, unserved].map((store) => {
        for (let i = 0; i < 3; i += 1) store.lookup(Buffer.alloc(32));
        const counts: number[] = [];
        store.on('lookup.failed', (event) => counts.push(event.count));
        store.lookup(Buffer.alloc(32));
        return counts;
      });
      expect(heard).toEqual([[1], [1]]);
    } finally {
      await Promise.all([served.stop(), unserved.stop()]);
    }
  });

  it('does not listen to a channel attached after it closed', async () => {
    const { owner, audit } = ownedStore();
    owner.close();
    const late = fakeChannel();
    const detach = owner.attach(late);
    expect(late.listeners).toBe(0);
    detach();
    late.deliver(replicaSays(owner.name).hello());
    late.deliver(replicaSays(owner.name).call(1, 'clear'));
    late.deliver({ tag: REPLICA_TAG, kind: 'junk', name: owner.name });
    await flush();
    expect(late.sent).toEqual([]);
    expect(owner.replicas).toBe(0);
    expect(audit.filter((event) => event.type.startsWith('replica.'))).toEqual([]);
  });

  it('reads no message delivered to it after it closed, even one already being delivered', () => {
    const { owner, audit } = ownedStore();
    const channel = fakeChannel();
    // Registered first, this listener closes the owner before the owner's own listener reads the message.
    channel.onMessage(() => owner.close());
    owner.attach(channel);
    channel.deliver(replicaSays(owner.name).hello());
    expect(channel.sent).toEqual([]);
    expect(audit.filter((event) => event.type.startsWith('replica.'))).toEqual([]);
  });

  it('runs each close hook once, in order, and a hook given after the close at once', () => {
    const { owner } = ownedStore();
    const ran: string[] = [];
    owner.whenClosed(() => ran.push('a'));
    owner.whenClosed(() => ran.push('b'));
    expect(ran).toEqual([]);
    owner.close();
    owner.close();
    expect(ran).toEqual(['a', 'b']);
    owner.whenClosed(() => ran.push('late'));
    expect(ran).toEqual(['a', 'b', 'late']);
  });
});

describe('an owner following its store', () => {
  it('sends the empty state when the store stops, with no call on the owner', async () => {
    const { store, owner } = ownedStore();
    await owner.buildAndStore();
    const channel = acknowledging(joinedChannel(owner), owner.name);
    const emptied = channel.sentMessage((message) => message.kind === 'state' && message.version === 3);
    await store.stop();
    expect(await emptied).toMatchObject({ kind: 'state', version: 3, verifier: null });
  });

  it('sends the state once per write of its own', async () => {
    const { owner } = ownedStore();
    const channel = acknowledging(joinedChannel(owner), owner.name);
    await owner.buildAndStore();
    await owner.consume(Buffer.alloc(32));
    await flush();
    expect(states(channel).map((state) => state.version)).toEqual([1, 2]);
  });
});

describe('calls from a replica', () => {
  it('carries out each write and answers the replica that asked only, the build with the token and the version that holds it', async () => {
    const { store, owner } = ownedStore({ now: () => 1_700_000_000_000 });
    const asker = acknowledging(joinedChannel(owner, 'asker'), owner.name);
    const other = acknowledging(joinedChannel(owner, 'other'), owner.name);
    const says = replicaSays(owner.name);
    const answer = (id: number) => asker.sentMessage((message) => message.kind === 'reply' && message.id === id);
    asker.deliver(says.call(1, 'buildAndStore'));
    const built = await answer(1);
    const result = built.result as { token: string };
    expect(built).toStrictEqual({
      tag: REPLICA_TAG,
      kind: 'reply',
      name: owner.name,
      id: 1,
      result: { token: result.token, insertedAtMs: 1_700_000_000_000, version: 2 },
    });
    const token = Buffer.from(result.token, 'base64url');
    expect(store.lookup(token).ok).toBe(true);
    expect(JSON.stringify(other.sent)).not.toContain(result.token);

    asker.deliver(says.call(2, 'delete', encodeToken(Buffer.alloc(32, 1))));
    expect((await answer(2)).result).toStrictEqual({ ok: false });
    asker.deliver(says.call(3, 'consume', result.token));
    expect((await answer(3)).result).toStrictEqual({ ok: true, insertedAtMs: 1_700_000_000_000 });
    asker.deliver(says.call(4, 'consume', result.token));
    expect((await answer(4)).result).toStrictEqual({ ok: false });
    asker.deliver(says.call(5, 'buildAndStore'));
    const second = Buffer.from(((await answer(5)).result as { token: string }).token, 'base64url');
    asker.deliver(says.call(6, 'delete', encodeToken(second)));
    expect((await answer(6)).result).toStrictEqual({ ok: true });
    expect(store.lookup(second)).toEqual({ ok: false });
    await owner.buildAndStore();
    asker.deliver(says.call(7, 'clear'));
    expect((await answer(7)).result).toStrictEqual({ ok: true });
    expect(replies(other)).toEqual([]);
  });

  it('answers a write that fails with the store\'s error code', async () => {
    const { store, owner } = ownedStore();
    const channel = acknowledging(joinedChannel(owner), owner.name);
    await store.stop();
    channel.deliver(replicaSays(owner.name).call(9, 'clear'));
    await channel.sentMessage((message) => message.kind === 'reply');
    expect(replies(channel)).toStrictEqual([{ tag: REPLICA_TAG, kind: 'reply', name: owner.name, id: 9, error: 'ERR_NOT_RUNNING' }]);
  });

  it('answers a write that fails with an error of no break-glass code as ERR_STORE_EXITED', async () => {
    const { store } = ownedStore();
    // The store's handle, but its clear fails as no break-glass call does: with a plain Error.
    const failing = new Proxy(store, {
      get: (target, property) => {
        if (property === 'clear') return () => Promise.reject(new Error('disk on fire'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const owner = serveReplicas(failing, { ackTimeoutMs: 5_000 });
    try {
      const channel = joinedChannel(owner);
      channel.deliver(replicaSays(owner.name).call(4, 'clear'));
      expect(await channel.sentMessage((message) => message.kind === 'reply')).toStrictEqual({
        tag: REPLICA_TAG,
        kind: 'reply',
        name: owner.name,
        id: 4,
        error: 'ERR_STORE_EXITED',
      });
      await expect(owner.clear()).rejects.toThrow('disk on fire');
    } finally {
      owner.close();
    }
  });

  it('answers a build whose token expired before it was read back with the time of the answer as its insertion time', async () => {
    let tick = 0;
    // Every reading of the store's clock is 10 ms on: a 1 ms token has expired by the owner's next look at it.
    const { owner } = ownedStore({ ttlMs: 1, monotonicNow: () => (tick += 10), now: () => 1_000 });
    const channel = acknowledging(joinedChannel(owner), owner.name);
    const before = Date.now();
    channel.deliver(replicaSays(owner.name).call(1, 'buildAndStore'));
    const { result } = await channel.sentMessage((message) => message.kind === 'reply');
    const { insertedAtMs } = result as { insertedAtMs: number };
    expect(insertedAtMs).toBeGreaterThanOrEqual(before);
    expect(insertedAtMs).toBeLessThanOrEqual(Date.now());
  });
});
