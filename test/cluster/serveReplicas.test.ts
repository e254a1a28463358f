import nodeCluster, { type Cluster } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import { serveClusterReplicas, serveReplicas } from '../../src/cluster/serveReplicas';
import { startLink } from '../../src/startLink';
import type { TokenStoreHandle } from '../../src/tokenStoreHandle';
import { fakeChannel, replicaSays } from './support/fakeChannel';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  jest.useRealTimers();
});

let stores = 0;
function store(): TokenStoreHandle {
  const handle = startLink({ name: `serve-test.${(stores += 1)}` });
  cleanups.push(() => handle.stop());
  return handle;
}

/** A stand-in for a cluster worker in the primary, with what its channel uses. */
function fakeWorker(id: number) {
  const sent: unknown[] = [];
  const kills: unknown[] = [];
  const worker = Object.assign(new EventEmitter(), {
    id,
    isConnected: () => true,
    send: (message: unknown) => sent.push(message) > 0,
    process: { exitCode: null, signalCode: null, kill: (signal: string) => kills.push(signal) > 0 },
  });
  return { worker, sent, kills };
}

function fakeCluster(workers: Record<string, unknown> | undefined, isPrimary = true): Cluster & EventEmitter {
  return Object.assign(new EventEmitter(), { isPrimary, workers }) as unknown as Cluster & EventEmitter;
}

describe('serveReplicas() and serveClusterReplicas() options', () => {
  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['100']])('refuses ackTimeoutMs %p with a RangeError', (ackTimeoutMs) => {
    const handle = store();
    const error = new RangeError('options.ackTimeoutMs must be a positive number of milliseconds');
    expect(() => serveReplicas(handle, { ackTimeoutMs: ackTimeoutMs as number })).toThrow(error);
    expect(() => serveClusterReplicas(handle, { ackTimeoutMs: ackTimeoutMs as number, cluster: fakeCluster({}) })).toThrow(error);
  });

  it('drops a silent replica after 2 seconds by default', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const handle = store();
    const owner = serveReplicas(handle);
    cleanups.push(() => owner.close());
    const silent = fakeChannel('silent');
    owner.attach(silent);
    silent.deliver(replicaSays(handle.name).hello());
    const building = owner.buildAndStore();
    await silent.sentMessage((message) => message.kind === 'state' && message.version === 2);
    jest.advanceTimersByTime(1_999);
    expect(silent.severed).toBe(0);
    jest.advanceTimersByTime(1);
    expect(silent.severed).toBe(1);
    await building;
    expect(owner.replicas).toBe(0);
  });
});

describe('serveClusterReplicas()', () => {
  it('refuses to run outside the cluster primary', () => {
    expect(() => serveClusterReplicas(store(), { cluster: fakeCluster({}, false) })).toThrow(
      new TypeError('serveClusterReplicas: call it in the cluster primary'),
    );
  });

  it('serves the workers running now and every one forked later, until the owner closes', () => {
    const handle = store();
    const first = fakeWorker(1);
    const cluster = fakeCluster({ 1: first.worker, 2: undefined });
    const owner = serveClusterReplicas(handle, { cluster });
    cleanups.push(() => owner.close());
    first.worker.emit('message', replicaSays(handle.name).hello());
    expect(first.sent).toEqual([expect.objectContaining({ tag: REPLICA_TAG, kind: 'state', name: handle.name })]);

    const forked = fakeWorker(2);
    cluster.emit('fork', forked.worker);
    forked.worker.emit('message', replicaSays(handle.name).hello());
    expect(forked.sent).toHaveLength(1);
    expect(owner.replicas).toBe(2);

    owner.close();
    expect(cluster.listenerCount('fork')).toBe(0);
    const late = fakeWorker(3);
    cluster.emit('fork', late.worker);
    expect(late.worker.listenerCount('message')).toBe(0);
  });

  it('serves a cluster with no workers yet', () => {
    const handle = store();
    const cluster = fakeCluster(undefined);
    const owner = serveClusterReplicas(handle, { cluster });
    cleanups.push(() => owner.close());
    const forked = fakeWorker(1);
    cluster.emit('fork', forked.worker);
    forked.worker.emit('message', replicaSays(handle.name).hello());
    expect(forked.sent).toHaveLength(1);
  });

  it('severs a worker silent past its ackTimeoutMs', async () => {
    const handle = store();
    const silent = fakeWorker(1);
    const owner = serveClusterReplicas(handle, { cluster: fakeCluster({ 1: silent.worker }), ackTimeoutMs: 20 });
    cleanups.push(() => owner.close());
    silent.worker.emit('message', replicaSays(handle.name).hello());
    await owner.buildAndStore();
    expect(silent.kills).toEqual(['SIGKILL']);
  });

  it('serves node:cluster by default, in this primary, and stops listening for forks on close', () => {
    const before = nodeCluster.listenerCount('fork');
    const owner = serveClusterReplicas(store());
    expect(nodeCluster.listenerCount('fork')).toBe(before + 1);
    owner.close();
    expect(nodeCluster.listenerCount('fork')).toBe(before);
  });
});
