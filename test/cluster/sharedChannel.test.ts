import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { AuditEvent } from '../../src/audit';
import { parentPortChannel } from '../../src/cluster/channel';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import { openReplica, type TokenStoreReplica } from '../../src/cluster/replica';
import type { ReplicaOwner } from '../../src/cluster/replicaOwner';
import { tokenDigest } from '../../src/cluster/replicaVerifier';
import { serveReplicas } from '../../src/cluster/serveReplicas';
import { startLink } from '../../src/startLink';
import type { TokenStoreHandle } from '../../src/tokenStoreHandle';
import { call, startSharedFleet, type SharedFleet } from './support/fleet';
import { nextMessage } from './support/ports';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let services = 0;

interface Served {
  readonly store: TokenStoreHandle;
  readonly owner: ReplicaOwner;
  readonly audit: AuditEvent[];
}

function serve(name: string): Served {
  const audit: AuditEvent[] = [];
  const store = startLink({ name, onAudit: (event) => audit.push(event) });
  const owner = serveReplicas(store, { ackTimeoutMs: 5_000 });
  cleanups.push(() => store.stop(), () => owner.close());
  return { store, owner, audit };
}

/**
 * Two stores, admin and ops, each with its owner, both owners serving the same
 * end of one real MessageChannel, and a replica of each store on the other end:
 * one worker channel carrying two stores.
 */
async function twoStoresOneChannel(): Promise<{
  admin: Served & { replica: TokenStoreReplica };
  ops: Served & { replica: TokenStoreReplica };
  workerSide: MessagePort;
}> {
  services += 1;
  const { port1, port2 } = new MessageChannel();
  cleanups.push(() => port1.close(), () => port2.close());
  const admin = serve(`shared.${services}.admin`);
  const ops = serve(`shared.${services}.ops`);
  admin.owner.attach(parentPortChannel(port1, 'worker'));
  ops.owner.attach(parentPortChannel(port1, 'worker'));
  const adminReplica = openReplica({ channel: parentPortChannel(port2, 'owner'), name: admin.store.name, callTimeoutMs: 5_000 });
  const opsReplica = openReplica({ channel: parentPortChannel(port2, 'owner'), name: ops.store.name, callTimeoutMs: 5_000 });
  cleanups.push(() => adminReplica.close(), () => opsReplica.close());
  await Promise.all([adminReplica.whenReady(), opsReplica.whenReady()]);
  return { admin: { ...admin, replica: adminReplica }, ops: { ...ops, replica: opsReplica }, workerSide: port2 };
}

function rejected(audit: readonly AuditEvent[]): AuditEvent[] {
  return audit.filter((event) => event.type === 'replica.rejected');
}

describe('two stores replicated over one channel', () => {
  it('has each replica accept its own store\'s token only, whichever owner built last', async () => {
    const { admin, ops } = await twoStoresOneChannel();
    const adminToken = await admin.owner.buildAndStore();
    const opsToken = await ops.owner.buildAndStore();
    expect(admin.replica.lookup(adminToken).ok).toBe(true);
    expect(admin.replica.lookup(opsToken)).toEqual({ ok: false });
    expect(ops.replica.lookup(opsToken).ok).toBe(true);
    expect(ops.replica.lookup(adminToken)).toEqual({ ok: false });

    const adminAgain = await admin.owner.buildAndStore();
    expect(admin.replica.lookup(adminAgain).ok).toBe(true);
    expect(admin.replica.lookup(adminToken)).toEqual({ ok: false });
    expect(ops.replica.lookup(adminAgain)).toEqual({ ok: false });
    expect(ops.replica.lookup(opsToken).ok).toBe(true);
    expect(admin.replica.version).toBe(admin.owner.version);
    expect(ops.replica.version).toBe(ops.owner.version);
  });

  it('carries out a build from each replica in its own store only, and answers each replica with its own token', async () => {
    const { admin, ops } = await twoStoresOneChannel();
    // Both replicas number their calls from 1: the two calls travel with the same id.
    const [adminToken, opsToken] = await Promise.all([admin.replica.buildAndStore(), ops.replica.buildAndStore()]);
    expect(admin.store.lookup(adminToken).ok).toBe(true);
    expect(ops.store.lookup(opsToken).ok).toBe(true);
    expect(admin.store.lookup(opsToken)).toEqual({ ok: false });
    expect(ops.store.lookup(adminToken)).toEqual({ ok: false });
    expect(admin.replica.lookup(adminToken).ok).toBe(true);
    expect(ops.replica.lookup(opsToken).ok).toBe(true);
    // Each store built exactly once: no owner carried out the other store's call.
    for (const { audit } of [admin, ops]) expect(audit.filter((event) => event.type === 'token.built')).toHaveLength(1);
  });

  it('revokes and clears through each replica in its own store only', async () => {
    const { admin, ops } = await twoStoresOneChannel();
    const adminToken = await admin.replica.buildAndStore();
    const opsToken = await ops.replica.buildAndStore();
    await ops.replica.clear();
    expect(ops.store.lookup(opsToken)).toEqual({ ok: false });
    expect(admin.store.lookup(adminToken).ok).toBe(true);
    expect(admin.replica.lookup(adminToken).ok).toBe(true);

    const opsAgain = await ops.replica.buildAndStore();
    expect(await admin.replica.delete(adminToken)).toEqual({ ok: true });
    expect(admin.store.lookup(adminToken)).toEqual({ ok: false });
    expect(ops.store.lookup(opsAgain).ok).toBe(true);
    expect(ops.replica.lookup(opsAgain).ok).toBe(true);
  });

  it('neither answers nor reports as rejected the messages meant for the other store', async () => {
    const { admin, ops, workerSide } = await twoStoresOneChannel();
    const seen: Array<Record<string, unknown>> = [];
    workerSide.on('message', (message: Record<string, unknown>) => seen.push(message));
    await admin.replica.buildAndStore();
    await ops.replica.clear();
    expect(seen.filter((message) => message.kind === 'reply' && 'error' in message)).toEqual([]);
    expect(rejected(admin.audit)).toEqual([]);
    expect(rejected(ops.audit)).toEqual([]);
    // Each owner saw both replicas say hello; each counts only its own as joined.
    expect(admin.audit.filter((event) => event.type === 'replica.joined')).toHaveLength(1);
    expect(ops.audit.filter((event) => event.type === 'replica.joined')).toHaveLength(1);
    expect(admin.owner.replicas).toBe(1);
    expect(ops.owner.replicas).toBe(1);
  });
});

describe('an owner on a channel shared with another store', () => {
  it('ignores a hello and a call that name another store, however they read otherwise, and still serves its own', async () => {
    const { owner, store, audit } = serve(`shared.${(services += 1)}.owner`);
    const token = await owner.buildAndStore();
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close(), () => port2.close());
    owner.attach(parentPortChannel(port1, 'raw port'));
    const seen: Array<Record<string, unknown>> = [];
    port2.on('message', (message: Record<string, unknown>) => seen.push(message));
    const other = 'another-store';
    port2.postMessage({ tag: REPLICA_TAG, kind: 'hello', name: other });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'call', name: other, id: 1, op: 'clear' });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'call', name: other, id: 2, op: 'dump' });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'ack', name: other, version: 1_000 });
    // A hello of its own behind them: once it is answered, every earlier message was read.
    const state = nextMessage(port2, (message) => message.kind === 'state');
    port2.postMessage({ tag: REPLICA_TAG, kind: 'hello', name: store.name });
    expect(await state).toMatchObject({ name: store.name, verifier: { digest: expect.any(String) } });
    expect(seen.map((message) => message.kind)).toEqual(['state']);
    expect(store.lookup(token).ok).toBe(true);
    expect(rejected(audit)).toEqual([]);
    expect(audit.filter((event) => event.type === 'replica.joined')).toHaveLength(1);
  });

  it('waits for its own replica\'s confirmation, not for another store\'s acknowledgement on the same channel', async () => {
    const { owner, store } = serve(`shared.${(services += 1)}.acks`);
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close(), () => port2.close());
    owner.attach(parentPortChannel(port1, 'raw port'));
    const joined = nextMessage(port2, (message) => message.kind === 'state');
    port2.postMessage({ tag: REPLICA_TAG, kind: 'hello', name: store.name });
    await joined;

    let settled = false;
    const changed = nextMessage(port2, (message) => message.kind === 'state' && message.verifier !== null);
    const building = owner.buildAndStore().then(() => (settled = true));
    const state = await changed;
    // Another store's replica acknowledges a far later version: it confirms nothing of this store.
    port2.postMessage({ tag: REPLICA_TAG, kind: 'ack', name: 'another-store', version: 1_000 });
    const probe = nextMessage(port2, (message) => message.kind === 'state');
    port2.postMessage({ tag: REPLICA_TAG, kind: 'hello', name: store.name });
    await probe;
    expect(settled).toBe(false);
    port2.postMessage({ tag: REPLICA_TAG, kind: 'ack', name: store.name, version: state.version });
    await building;
    expect(settled).toBe(true);
  });
});

describe('a replica on a channel shared with another store', () => {
  it('ignores a state of another store, even of a later version, and a reply of another store to its call id', async () => {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close(), () => port2.close());
    const replica = openReplica({ channel: parentPortChannel(port1, 'raw owner'), name: 'admin', callTimeoutMs: 5_000 });
    cleanups.push(() => replica.close());
    const adminToken = Buffer.alloc(32, 1);
    const opsToken = Buffer.alloc(32, 2);
    const verifier = (token: Buffer) => ({ digest: tokenDigest(token).toString('base64'), insertedAtMs: 1_700_000_000_000, remainingMs: null });
    const acked = () => nextMessage(port2, (message) => message.kind === 'ack');

    const first = acked();
    port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'ops', version: 7, verifier: verifier(opsToken) });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'admin', version: 1, verifier: verifier(adminToken) });
    expect(await first).toEqual({ tag: REPLICA_TAG, kind: 'ack', name: 'admin', version: 1 });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'ops', version: 8, verifier: verifier(opsToken) });
    const probe = acked();
    port2.postMessage({ tag: REPLICA_TAG, kind: 'state', name: 'admin', version: 1, verifier: verifier(adminToken) });
    expect(await probe).toMatchObject({ name: 'admin', version: 1 });
    expect(replica.version).toBe(1);
    expect(replica.lookup(adminToken).ok).toBe(true);
    expect(replica.lookup(opsToken)).toEqual({ ok: false });

    const sent = nextMessage(port2, (message) => message.kind === 'call');
    const clearing = replica.clear();
    const request = await sent;
    expect(request).toMatchObject({ name: 'admin', op: 'clear' });
    // The ops replica's answer to its own call with the same id: not this replica's to take.
    port2.postMessage({ tag: REPLICA_TAG, kind: 'reply', name: 'ops', id: request.id, error: 'ERR_NOT_RUNNING' });
    port2.postMessage({ tag: REPLICA_TAG, kind: 'reply', name: 'admin', id: request.id, result: { ok: true } });
    await expect(clearing).resolves.toEqual({ ok: true });
  });

  it('names its store in every message it sends, the default store when none is given', async () => {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close(), () => port2.close());
    const hello = nextMessage(port2, (message) => message.kind === 'hello');
    const replica = openReplica({ channel: parentPortChannel(port1, 'raw owner') });
    cleanups.push(() => replica.close());
    expect(await hello).toEqual({ tag: REPLICA_TAG, kind: 'hello', name: 'BreakGlass.TokenStore' });
    expect(replica.name).toBe('BreakGlass.TokenStore');
  });

  it.each([[''], [42], [['admin']]])('refuses the store name %p with a TypeError', (name) => {
    const { port1, port2 } = new MessageChannel();
    cleanups.push(() => port1.close(), () => port2.close());
    expect(() => openReplica({ channel: parentPortChannel(port1), name: name as unknown as string })).toThrow(TypeError);
  });
});

describe('two stores replicated to real cluster workers', () => {
  let fleet: SharedFleet;
  beforeAll(async () => {
    fleet = await startSharedFleet(['shared-cluster.admin', 'shared-cluster.ops'], 2);
  });
  afterAll(async () => {
    await fleet.stop();
  });

  it('has each worker accept a store\'s token only in that store\'s replica, and carries out each build in its own store', async () => {
    const [adminStore, opsStore] = fleet.stores;
    const [first, second] = fleet.workers;
    const adminToken = (await call(`${first!.url}/build?store=shared-cluster.admin`, 'POST')).body.token as string;
    const opsToken = (await call(`${second!.url}/build?store=shared-cluster.ops`, 'POST')).body.token as string;
    expect(adminStore!.lookup(Buffer.from(adminToken, 'base64url')).ok).toBe(true);
    expect(adminStore!.lookup(Buffer.from(opsToken, 'base64url'))).toEqual({ ok: false });
    expect(opsStore!.lookup(Buffer.from(opsToken, 'base64url')).ok).toBe(true);
    for (const { url } of fleet.workers) {
      expect((await call(`${url}/admin?store=shared-cluster.admin`, 'GET', adminToken)).status).toBe(200);
      expect((await call(`${url}/admin?store=shared-cluster.admin`, 'GET', opsToken)).status).toBe(401);
      expect((await call(`${url}/admin?store=shared-cluster.ops`, 'GET', opsToken)).status).toBe(200);
      expect((await call(`${url}/admin?store=shared-cluster.ops`, 'GET', adminToken)).status).toBe(401);
    }
  });
});
