import nodeCluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ipcChannel, parentPortChannel } from '../../src/cluster/channel';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import { openReplica, type ReplicaOptions, type TokenStoreReplica } from '../../src/cluster/replica';
import { tokenDigest } from '../../src/cluster/replicaVerifier';
import { encodeToken } from '../../src/token';
import { nextMessage } from './support/ports';

const NAME = 'admin';
const INSERTED_AT_MS = 1_700_000_000_000;
const TOKEN = Buffer.alloc(32, 7);

const opened: MessagePort[] = [];
const replicas: TokenStoreReplica[] = [];
afterEach(() => {
  for (const replica of replicas.splice(0)) replica.close();
  for (const port of opened.splice(0)) port.close();
  jest.useRealTimers();
});

// The module object itself, as the library's compiled code reads it (an `import *` would be a frozen copy).
const workerThreads = require('node:worker_threads') as object;

/** Runs `run` with `properties` set on `target`, then puts back what was there (or nothing). */
function withProperties<T>(target: object, properties: Record<string, unknown>, run: () => T): T {
  const saved = Object.keys(properties).map((key) => [key, Object.getOwnPropertyDescriptor(target, key)] as const);
  for (const [key, value] of Object.entries(properties)) Object.defineProperty(target, key, { value, configurable: true, writable: true });
  try {
    return run();
  } finally {
    for (const [key, descriptor] of saved) {
      if (descriptor === undefined) delete (target as Record<string, unknown>)[key];
      else Object.defineProperty(target, key, descriptor);
    }
  }
}

/** A replica over a real MessageChannel whose other end, `owner`, the test plays by hand. */
function scripted(options: Omit<ReplicaOptions, 'channel'> = {}): { replica: TokenStoreReplica; owner: MessagePort; replicaSide: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  const replica = openReplica({ channel: parentPortChannel(port1, 'owner'), name: NAME, callTimeoutMs: 5_000, ...options });
  replicas.push(replica);
  return { replica, owner: port2, replicaSide: port1 };
}

function verifierFor(token: Buffer, remainingMs: number | null = null) {
  return { digest: tokenDigest(token).toString('base64'), insertedAtMs: INSERTED_AT_MS, remainingMs };
}

/** Sends a state and resolves with the replica's acknowledgement of it. */
function sendState(owner: MessagePort, version: number, verifier: ReturnType<typeof verifierFor> | null): Promise<Record<string, unknown>> {
  const ack = nextMessage(owner, (message) => message.kind === 'ack');
  owner.postMessage({ tag: REPLICA_TAG, kind: 'state', name: NAME, version, verifier });
  return ack;
}

const nextCall = (owner: MessagePort) => nextMessage(owner, (message) => message.kind === 'call');

function reply(owner: MessagePort, id: unknown, body: Record<string, unknown>, name = NAME): void {
  owner.postMessage({ tag: REPLICA_TAG, kind: 'reply', name, id, ...body });
}

describe('a replica and its owner\'s state', () => {
  it('is not ready until the first state, then acknowledges each state with the version it holds', async () => {
    const { replica, owner } = scripted();
    expect([replica.ready, replica.version]).toEqual([false, 0]);
    let ready = false;
    const whenReady = replica.whenReady().then(() => (ready = true));
    expect(await sendState(owner, 3, verifierFor(TOKEN))).toStrictEqual({ tag: REPLICA_TAG, kind: 'ack', name: NAME, version: 3 });
    await whenReady;
    expect([ready, replica.ready, replica.version]).toEqual([true, true, 3]);
    await expect(replica.whenReady()).resolves.toBeUndefined();
    expect(replica.lookup(TOKEN)).toEqual({ ok: true, insertedAt: new Date(INSERTED_AT_MS) });
    // An older state changes nothing, and the acknowledgement says what the replica holds.
    expect(await sendState(owner, 2, null)).toStrictEqual({ tag: REPLICA_TAG, kind: 'ack', name: NAME, version: 3 });
    expect(replica.lookup(TOKEN).ok).toBe(true);
  });

  it('keeps an expiring token\'s deadline on performance.now() by default', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN, 60_000));
    expect(replica.lookup(TOKEN).ok).toBe(true);
    await sendState(owner, 2, verifierFor(TOKEN, 0));
    expect(replica.lookup(TOKEN)).toEqual({ ok: false });
  });

  it('ignores a malformed state and a reply to no call of its own', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN));
    owner.postMessage({ tag: REPLICA_TAG, kind: 'state', name: NAME, version: 2, verifier: { digest: 'x' } });
    reply(owner, 99, { result: { ok: true } });
    reply(owner, 98, { result: 'junk' });
    expect(await sendState(owner, 1, null)).toMatchObject({ version: 1 });
    expect(replica.lookup(TOKEN).ok).toBe(true);
  });
});

describe('a replica\'s writes', () => {
  it('sends each write as a call naming its store, numbered from 1, with a token only for delete and consume', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN));
    const calls: Array<Record<string, unknown>> = [];
    owner.on('message', (message: Record<string, unknown>) => {
      if (message.kind !== 'call') return;
      calls.push(message);
      reply(owner, message.id, { result: { ok: true, insertedAtMs: INSERTED_AT_MS } });
    });
    await replica.clear();
    await replica.delete(TOKEN);
    await replica.consume(TOKEN);
    expect(calls).toStrictEqual([
      { tag: REPLICA_TAG, kind: 'call', name: NAME, id: 1, op: 'clear' },
      { tag: REPLICA_TAG, kind: 'call', name: NAME, id: 2, op: 'delete', token: encodeToken(TOKEN) },
      { tag: REPLICA_TAG, kind: 'call', name: NAME, id: 3, op: 'consume', token: encodeToken(TOKEN) },
    ]);
  });

  it('answers a build with the owner\'s token and accepts it locally once its state holds it', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, null);
    const sent = nextCall(owner);
    const building = replica.buildAndStore();
    expect(await sent).toStrictEqual({ tag: REPLICA_TAG, kind: 'call', name: NAME, id: 1, op: 'buildAndStore' });
    await sendState(owner, 2, verifierFor(TOKEN));
    reply(owner, 1, { result: { token: encodeToken(TOKEN), insertedAtMs: INSERTED_AT_MS, version: 2 } });
    const token = await building;
    expect(Buffer.from(token).equals(TOKEN)).toBe(true);
    expect(replica.lookup(token)).toEqual({ ok: true, insertedAt: new Date(INSERTED_AT_MS) });
  });

  it('rejects a build answered without a token as a protocol error', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, null);
    const sent = nextCall(owner);
    const building = replica.buildAndStore();
    reply(owner, (await sent).id, { result: { ok: true } });
    await expect(building).rejects.toMatchObject({ code: 'ERR_REPLICA_PROTOCOL', operation: 'buildAndStore' });
  });

  it('refuses a delete or a consume of a token it does not accept without asking the owner', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN));
    const other = Buffer.alloc(32, 8);
    expect(await replica.delete(other)).toEqual({ ok: false });
    expect(await replica.consume(other)).toEqual({ ok: false });
    expect(await replica.delete(Buffer.alloc(3))).toEqual({ ok: false });
    const sent = nextCall(owner);
    const clearing = replica.clear();
    const call = await sent;
    expect(call).toMatchObject({ id: 1, op: 'clear' });
    reply(owner, call.id, { result: { ok: true } });
    await expect(clearing).resolves.toEqual({ ok: true });
  });

  it.each([
    ['delete', { ok: true }, { ok: true }],
    ['delete', { ok: true, insertedAtMs: 5 }, { ok: true }],
    ['delete', { ok: false }, { ok: false }],
    ['delete', { token: encodeToken(TOKEN), insertedAtMs: 1, version: 1 }, { ok: false }],
    ['consume', { ok: true, insertedAtMs: INSERTED_AT_MS }, { ok: true, insertedAt: new Date(INSERTED_AT_MS) }],
    ['consume', { ok: true, insertedAtMs: 0 }, { ok: true, insertedAt: new Date(0) }],
    ['consume', { ok: true }, { ok: false }],
    ['consume', { ok: false }, { ok: false }],
    ['consume', { ok: false, insertedAtMs: INSERTED_AT_MS }, { ok: false }],
    ['consume', { token: encodeToken(TOKEN), insertedAtMs: 1, version: 1 }, { ok: false }],
    ['clear', { ok: false }, { ok: true }],
  ] as const)('answers a %s with the owner\'s result %p as %p', async (op, result, expected) => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN));
    const sent = nextCall(owner);
    const writing = op === 'clear' ? replica.clear() : replica[op](TOKEN);
    reply(owner, (await sent).id, { result });
    expect(await writing).toStrictEqual(expected);
  });

  it.each([
    ['ERR_NOT_RUNNING', { code: 'ERR_NOT_RUNNING', name: 'NotRunningError', storeName: NAME }],
    ['ERR_CALL_TIMEOUT', { code: 'ERR_CALL_TIMEOUT', name: 'CallTimeoutError', storeName: NAME, operation: 'clear', timeoutMs: 1_234 }],
    ['ERR_STORE_EXITED', { code: 'ERR_STORE_EXITED', name: 'StoreExitedError', storeName: NAME, operation: 'clear', reason: 'exited at the owner' }],
    ['ERR_REPLICA_PROTOCOL', { code: 'ERR_REPLICA_PROTOCOL', name: 'ReplicaProtocolError', operation: 'clear' }],
    ['ERR_TOKEN_MALFORMED', { code: 'ERR_REPLICA_PROTOCOL', name: 'ReplicaProtocolError', operation: 'clear' }],
    ['ERR_FROM_A_LATER_VERSION', { code: 'ERR_REPLICA_PROTOCOL', name: 'ReplicaProtocolError', operation: 'clear' }],
  ])('rejects with the error a single-process store would throw for the owner\'s %s', async (error, expected) => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, null);
    const sent = nextCall(owner);
    const clearing = replica.clear({ timeoutMs: 1_234 });
    reply(owner, (await sent).id, { error });
    await expect(clearing).rejects.toMatchObject(expected);
  });

  it('fails the call a malformed reply names with a protocol error, and only that call', async () => {
    const { replica, owner } = scripted();
    await sendState(owner, 1, null);
    const sent: Array<Record<string, unknown>> = [];
    const both = new Promise<void>((resolve) =>
      owner.on('message', (message: Record<string, unknown>) => {
        if (message.kind === 'call' && sent.push(message) === 2) resolve();
      }),
    );
    const first = replica.clear();
    const second = replica.clear();
    await both;
    reply(owner, 1, { result: 'not a result' });
    await expect(first).rejects.toMatchObject({ code: 'ERR_REPLICA_PROTOCOL', operation: 'clear' });
    // A reply the replica cannot tell is its own (no store name) fails nothing.
    owner.postMessage({ tag: REPLICA_TAG, kind: 'reply', id: 2, result: 'junk' });
    reply(owner, 2, { result: { ok: true } });
    await expect(second).resolves.toEqual({ ok: true });
  });

  it('times a write out after callTimeoutMs, or the call\'s own timeoutMs, and leaves no timer behind after an answer', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { replica, owner } = scripted({ callTimeoutMs: 300 });
    await sendState(owner, 1, null);
    const sent = nextCall(owner);
    const answered = replica.clear();
    reply(owner, (await sent).id, { result: { ok: true } });
    await answered;
    expect(jest.getTimerCount()).toBe(0);

    const outcomes: unknown[] = [];
    const timedOut = replica.clear().catch((error: unknown) => outcomes.push(error));
    const ownTimeout = replica.clear({ timeoutMs: 100 }).catch((error: unknown) => outcomes.push(error));
    jest.advanceTimersByTime(99);
    await Promise.resolve();
    expect(outcomes).toEqual([]);
    jest.advanceTimersByTime(1);
    await ownTimeout;
    expect(outcomes).toMatchObject([{ code: 'ERR_CALL_TIMEOUT', storeName: NAME, operation: 'clear', timeoutMs: 100 }]);
    jest.advanceTimersByTime(199);
    await Promise.resolve();
    expect(outcomes).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await timedOut;
    expect(outcomes[1]).toMatchObject({ code: 'ERR_CALL_TIMEOUT', timeoutMs: 300 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('waits 10 seconds for the owner by default', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { replica, owner } = scripted({ callTimeoutMs: undefined });
    await sendState(owner, 1, null);
    let outcome: unknown;
    const clearing = replica.clear().catch((error: unknown) => (outcome = error));
    jest.advanceTimersByTime(9_999);
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    jest.advanceTimersByTime(1);
    await clearing;
    expect(outcome).toMatchObject({ code: 'ERR_CALL_TIMEOUT', timeoutMs: 10_000 });
  });
});

describe('a replica once its owner is gone', () => {
  it('rejects waiting writes and readiness, refuses every lookup, and rejects later writes, once closed', async () => {
    const { replica, owner } = scripted();
    const notYet = replica.whenReady();
    const sent = nextCall(owner);
    const waiting = replica.clear();
    await sent;
    replica.close();
    await expect(notYet).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE', storeName: NAME, operation: 'whenReady' });
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE', storeName: NAME, operation: 'clear' });
    await expect(replica.whenReady()).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE', operation: 'whenReady' });
    await expect(replica.buildAndStore()).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE', operation: 'buildAndStore' });
    await expect(replica.clear()).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE', operation: 'clear' });
    replica.close();
    expect(replica.ready).toBe(false);
  });

  it('empties when the channel closes: not ready, refusing the token it held, rejecting what waited', async () => {
    const { replica, owner, replicaSide } = scripted();
    await sendState(owner, 1, verifierFor(TOKEN));
    expect(replica.lookup(TOKEN).ok).toBe(true);
    const sent = nextCall(owner);
    const waiting = replica.clear();
    await sent;
    const closed = new Promise((resolve) => replicaSide.once('close', resolve));
    owner.close();
    await closed;
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE' });
    expect(replica.ready).toBe(false);
    expect(replica.lookup(TOKEN)).toEqual({ ok: false });
    expect(replica.version).toBe(1);
  });

  it('takes no state once closed, even one already being delivered to the channel\'s listeners', () => {
    // An IPC endpoint is an EventEmitter: a listener removed during an emit is still called for that message.
    const endpoint = Object.assign(new EventEmitter(), { connected: true, send: () => true });
    let replica: TokenStoreReplica | undefined;
    endpoint.on('message', () => replica?.close());
    replica = openReplica({ channel: ipcChannel(endpoint, 'owner'), name: NAME });
    replicas.push(replica);
    endpoint.emit('message', { tag: REPLICA_TAG, kind: 'state', name: NAME, version: 4, verifier: verifierFor(TOKEN) });
    expect(replica.version).toBe(0);
    expect(replica.lookup(TOKEN)).toEqual({ ok: false });
  });
});

describe('openReplica() options', () => {
  const channel = () => {
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    return parentPortChannel(port1, 'owner');
  };

  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['100']])('refuses callTimeoutMs %p with a RangeError', (callTimeoutMs) => {
    expect(() => openReplica({ channel: channel(), callTimeoutMs: callTimeoutMs as number })).toThrow(
      new RangeError('options.callTimeoutMs must be a positive number of milliseconds'),
    );
  });

  it('takes any positive callTimeoutMs, fractions too', () => {
    for (const callTimeoutMs of [0.5, 1, 60_000]) replicas.push(openReplica({ channel: channel(), callTimeoutMs }));
    expect(replicas).toHaveLength(3);
  });

  it.each([['now'], [42], [null]])('refuses a monotonicNow of %p with a TypeError', (monotonicNow) => {
    expect(() => openReplica({ channel: channel(), monotonicNow: monotonicNow as unknown as () => number })).toThrow(
      new TypeError('options.monotonicNow must be a function'),
    );
  });

  it.each([[''], [7]])('refuses the store name %p with a TypeError that says what a name must be', (name) => {
    expect(() => openReplica({ channel: channel(), name: name as string })).toThrow(new TypeError('options.name must be a non-empty string'));
  });

  it('needs a channel outside a cluster worker or a worker thread', () => {
    expect(() => openReplica()).toThrow(new TypeError('openReplica: outside a cluster worker or a worker thread, options.channel is required'));
  });

  it('talks to the cluster primary over the process\'s IPC channel in a cluster worker', () => {
    const sent: unknown[][] = [];
    const listeners = process.listenerCount('message');
    let replica: TokenStoreReplica | undefined;
    // For the span of this synchronous block, this process passes for a cluster worker with an IPC channel.
    withProperties(nodeCluster, { isWorker: true }, () =>
      withProperties(process, { connected: true, send: (...args: unknown[]) => sent.push(args) > 0 }, () => {
        replica = openReplica({ name: NAME });
        expect(process.listenerCount('message')).toBe(listeners + 1);
        replica.close();
      }),
    );
    expect(sent).toEqual([[{ tag: REPLICA_TAG, kind: 'hello', name: NAME }, undefined, {}, expect.any(Function)]]);
    expect(process.listenerCount('message')).toBe(listeners);
  });

  it('talks to the main thread over parentPort in a worker thread', async () => {
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    const hello = nextMessage(port2, (message) => message.kind === 'hello');
    // For the span of the call, this thread passes for a worker thread whose parentPort is port1.
    const replica = withProperties(workerThreads, { isMainThread: false, parentPort: port1 }, () => openReplica({ name: NAME }));
    replicas.push(replica);
    expect(await hello).toEqual({ tag: REPLICA_TAG, kind: 'hello', name: NAME });
    await sendState(port2, 1, verifierFor(TOKEN));
    expect(replica.lookup(TOKEN).ok).toBe(true);
  });

  it('keeps the deadline on the clock it was given', async () => {
    let tick = 100;
    const { replica, owner } = scripted({ monotonicNow: () => tick });
    await sendState(owner, 1, verifierFor(TOKEN, 50));
    tick = 149;
    expect(replica.lookup(TOKEN).ok).toBe(true);
    tick = 150;
    expect(replica.lookup(TOKEN)).toEqual({ ok: false });
  });
});
