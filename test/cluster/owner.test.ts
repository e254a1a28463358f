import { inspect } from 'node:util';
import { childSpec } from '../../src/childSpec';
import { REPLICA_TAG } from '../../src/cluster/protocol';
import { serveReplicas } from '../../src/cluster/serveReplicas';
import { startSupervisor } from '../../src/supervisor/startSupervisor';
import { sendControlRequest } from '../../src/control/client';
import { encodeToken } from '../../src/token';
import { cleanUp, openTestSocket } from '../control/harness';
import { attachedPort, closeAll, hello, nextMessage, ownedStore, replicaOf } from './support/ports';

afterEach(async () => {
  await cleanUp();
  await closeAll();
});

function textForms(token: Buffer): string[] {
  return [encodeToken(token), token.toString('hex'), token.toString('base64')];
}

describe('serveReplicas()', () => {
  it('sends a replica that joins the current state before it serves', async () => {
    const { owner } = ownedStore();
    const token = await owner.buildAndStore();
    const { replica } = await replicaOf(owner);
    expect(replica.ready).toBe(true);
    expect(replica.lookup(token)).toEqual({ ok: true, insertedAt: owner.lookup(token).ok && expect.any(Date) });
  });

  it('resolves a build from one replica only once every replica accepts the new token', async () => {
    const { owner } = ownedStore();
    const replicas = await Promise.all([replicaOf(owner), replicaOf(owner), replicaOf(owner)]);
    const token = await replicas[0]!.replica.buildAndStore();
    for (const { replica } of replicas) expect(replica.lookup(token).ok).toBe(true);
    expect(owner.lookup(token).ok).toBe(true);
  });

  it('resolves a delete from one replica only once no replica accepts the token', async () => {
    const { owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const token = await a!.replica.buildAndStore();
    expect(await b!.replica.delete(token)).toEqual({ ok: true });
    expect(a!.replica.lookup(token)).toEqual({ ok: false });
    expect(b!.replica.lookup(token)).toEqual({ ok: false });
    expect(owner.lookup(token)).toEqual({ ok: false });
  });

  it('serialises two builds from two replicas: every replica then accepts the later token only', async () => {
    const { owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const [first, second] = await Promise.all([a!.replica.buildAndStore(), b!.replica.buildAndStore()]);
    const accepted = [first, second].filter((token) => owner.lookup(token).ok);
    expect(accepted).toHaveLength(1);
    for (const { replica } of [a!, b!]) {
      expect(replica.lookup(accepted[0]!).ok).toBe(true);
      expect(replica.lookup(accepted[0] === first ? second : first).ok).toBe(false);
    }
  });

  it('lets exactly one of two replicas consume the same token', async () => {
    const { owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const token = await owner.buildAndStore();
    const results = await Promise.all([a!.replica.consume(token), b!.replica.consume(token)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(a!.replica.lookup(token).ok).toBe(false);
  });

  it('sends the new token only to the replica that asked for it', async () => {
    const { owner } = ownedStore();
    const [asker, other] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const token = await asker!.replica.buildAndStore();
    await other!.replica.delete(token);
    const otherTraffic = JSON.stringify(other!.seen);
    for (const form of textForms(token)) expect(otherTraffic).not.toContain(form);
    expect(JSON.stringify(asker!.seen)).toContain(encodeToken(token));
  });

  it('follows a removal made on the store directly', async () => {
    const { store, owner } = ownedStore();
    const { replica } = await replicaOf(owner);
    const token = await owner.buildAndStore();
    await store.delete(token);
    await owner.whenConfirmed();
    expect(replica.lookup(token)).toEqual({ ok: false });
  });

  it('replicates a token built on the store directly, and refuses the one it replaced', async () => {
    const { store, owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const old = await owner.buildAndStore();
    const direct = await store.buildAndStore();
    await owner.whenConfirmed();
    for (const { replica } of [a!, b!]) {
      expect(replica.lookup(old)).toEqual({ ok: false });
      expect(replica.lookup(direct)).toEqual(store.lookup(direct));
    }
    // The digest went out, the token did not: no replica's traffic carries it in any form.
    const traffic = JSON.stringify([a!.seen, b!.seen]);
    for (const form of textForms(direct)) expect(traffic).not.toContain(form);
  });

  it('follows its audit trail alone: a token built on the store directly reaches replicas with no call on the owner', async () => {
    const { store, owner } = ownedStore();
    const { replica, port } = await replicaOf(owner);
    const versionBefore = replica.version;
    const applied = nextMessage(port, (message) => message.kind === 'state' && (message.version as number) > versionBefore);
    const token = await store.buildAndStore();
    expect(await applied).toMatchObject({ verifier: { digest: expect.any(String), remainingMs: null } });
    expect(replica.lookup(token).ok).toBe(true);
  });

  it('replicates a token issued through a control socket opened on the store, to every replica and only its digest', async () => {
    const { store, owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const old = await a!.replica.buildAndStore();
    const control = await openTestSocket(store);
    const issued = await sendControlRequest(control.path, { command: 'issue' });
    if (!issued.ok || issued.command !== 'issue') throw new Error(`issue failed: ${JSON.stringify(issued)}`);
    const token = Buffer.from(issued.token, 'base64url');
    await owner.whenConfirmed();
    for (const { replica } of [a!, b!]) {
      expect(replica.lookup(token).ok).toBe(true);
      expect(replica.lookup(old)).toEqual({ ok: false });
    }
    const traffic = JSON.stringify([a!.seen, b!.seen]);
    for (const form of textForms(token)) expect(traffic).not.toContain(form);
  });

  it('a token built and cleared within one owner write never reaches a replica: replicas get only the state the write leaves', async () => {
    const { store, owner } = ownedStore();
    const { replica, seen } = await replicaOf(owner);
    const old = await owner.buildAndStore();
    const versionBefore = owner.version;
    const sentBefore = seen.length;
    // A '*' handler registered after the owner's runs after it (type handlers run before every '*' one),
    // so the clear is queued behind any refresh the owner's handler would queue for token.built.
    const clearOnBuild = store.on('*', (event) => {
      if (event.type !== 'token.built') return;
      clearOnBuild.unsubscribe();
      queueMicrotask(() => void store.clear());
    });
    const token = await owner.buildAndStore();
    expect(token).toHaveLength(32);
    expect(owner.lookup(token)).toEqual({ ok: false });
    const states = seen.slice(sentBefore).filter((message) => (message as { kind?: unknown }).kind === 'state');
    expect(states).toEqual([expect.objectContaining({ version: versionBefore + 1, verifier: null })]);
    expect(owner.version).toBe(versionBefore + 1);
    expect(replica.lookup(token)).toEqual({ ok: false });
    expect(replica.lookup(old)).toEqual({ ok: false });
  });

  it('empties every replica when the store stops', async () => {
    const { store, owner } = ownedStore();
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const token = await a!.replica.buildAndStore();
    await store.stop();
    await owner.whenConfirmed();
    expect(a!.replica.lookup(token)).toEqual({ ok: false });
    expect(b!.replica.lookup(token)).toEqual({ ok: false });
    await expect(b!.replica.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('empties every replica when the store crashes during a replica write, and rejects the write', async () => {
    let draws = 0;
    const randomBytes = (size: number) => (++draws === 1 ? Buffer.alloc(size, 9) : Buffer.alloc(3));
    const { owner } = ownedStore({ randomBytes });
    const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
    const token = await a!.replica.buildAndStore();
    await expect(b!.replica.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(a!.replica.lookup(token)).toEqual({ ok: false });
    expect(b!.replica.lookup(token)).toEqual({ ok: false });
  });

  it('drops a replica that does not confirm a change within ackTimeoutMs: the write resolves and the replica is severed', async () => {
    const { owner, audit } = ownedStore({ ackTimeoutMs: 50 });
    const live = await replicaOf(owner);
    const silent = attachedPort(owner, 'silent port');
    silent.on('message', () => undefined); // reads every message, acknowledges none
    await hello(silent, owner.name);
    const severed = new Promise((resolve) => silent.once('close', resolve));
    const token = await live.replica.buildAndStore();
    await severed;
    expect(live.replica.lookup(token).ok).toBe(true);
    expect(audit).toContainEqual(expect.objectContaining({ type: 'replica.dropped', replica: 'silent port', reason: 'unresponsive' }));
    expect(owner.replicas).toBe(1);
  });

  it('renders an owner-built token in no replica output', async () => {
    const { owner } = ownedStore();
    const { replica } = await replicaOf(owner);
    const token = await owner.buildAndStore();
    expect(replica.lookup(token).ok).toBe(true);
    for (const rendered of [JSON.stringify({ replica }), inspect(replica, { showHidden: true, depth: 9 }), String(replica)]) {
      for (const form of textForms(token)) expect(rendered).not.toContain(form);
      expect(rendered).toContain('[redacted]');
    }
  });
});

describe('malformed replica messages', () => {
  const malformedCalls: Array<[string, Record<string, unknown>]> = [
    ['an unknown operation', { kind: 'call', id: 1, op: 'dump' }],
    ['a delete without a token', { kind: 'call', id: 2, op: 'delete' }],
    ['a delete with a token that is not canonical base64url', { kind: 'call', id: 3, op: 'delete', token: `${'A'.repeat(42)}B` }],
    ['a delete with a token of bytes', { kind: 'call', id: 4, op: 'delete', token: [1, 2, 3] }],
    ['a build that carries a token', { kind: 'call', id: 5, op: 'buildAndStore', token: 'A'.repeat(43) }],
    ['a call that names no store', { kind: 'call', id: 6, op: 'clear', name: undefined }],
    ['a call whose store name is not a string', { kind: 'call', id: 7, op: 'clear', name: ['x'] }],
    ['a call whose store name is empty', { kind: 'call', id: 8, op: 'clear', name: '' }],
  ];

  it.each(malformedCalls)('answers ERR_REPLICA_PROTOCOL to %s and leaves the token in place', async (_, fields) => {
    const { owner, audit } = ownedStore();
    const { replica } = await replicaOf(owner);
    const token = await owner.buildAndStore();
    const port = attachedPort(owner, 'raw port');
    const reply = nextMessage(port, (message) => message.kind === 'reply');
    port.postMessage({ tag: REPLICA_TAG, name: owner.name, ...fields });
    expect(await reply).toEqual({ tag: REPLICA_TAG, kind: 'reply', name: owner.name, id: fields.id, error: 'ERR_REPLICA_PROTOCOL' });
    expect(audit).toContainEqual(expect.objectContaining({ type: 'replica.rejected', replica: 'raw port', reason: 'malformed_message' }));
    expect(owner.lookup(token).ok).toBe(true);
    expect(replica.lookup(token).ok).toBe(true);
  });

  it('rejects tagged messages it cannot answer, ignores untagged ones, and keeps serving', async () => {
    const { owner, audit } = ownedStore();
    const token = await owner.buildAndStore();
    const port = attachedPort(owner, 'raw port');
    for (const junk of [{ kind: 'nonsense' }, { kind: 'ack', version: -1 }, { kind: 'call', id: -4, op: 'clear' }]) {
      port.postMessage({ tag: REPLICA_TAG, name: owner.name, ...junk });
    }
    for (const foreign of [null, 42, 'hello', [REPLICA_TAG], { kind: 'call', name: owner.name, op: 'clear', id: 1 }]) port.postMessage(foreign);
    const state = await hello(port, owner.name);
    expect(state).toMatchObject({ kind: 'state', verifier: { digest: expect.any(String) } });
    expect(audit.filter((event) => event.type === 'replica.rejected')).toHaveLength(3);
    expect(owner.lookup(token).ok).toBe(true);
  });
});

describe('serveReplicas() with a supervised store', () => {
  it('empties replicas when the store crashes, and replicates the restarted store', async () => {
    let draws = 0;
    const randomBytes = (size: number) => (++draws === 2 ? Buffer.alloc(1) : Buffer.alloc(size, draws));
    const supervisor = startSupervisor({ name: 'replica-test.supervisor', children: [childSpec({ name: 'replica-test.supervised', randomBytes })] });
    const store = supervisor.store('replica-test.supervised');
    const owner = serveReplicas(store);
    try {
      const [a, b] = await Promise.all([replicaOf(owner), replicaOf(owner)]);
      const before = await a!.replica.buildAndStore();
      expect(b!.replica.lookup(before).ok).toBe(true);
      const restarted = new Promise((resolve) => store.on('store.restarted', resolve));
      await expect(b!.replica.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
      expect(a!.replica.lookup(before)).toEqual({ ok: false });
      await restarted;
      const after = await b!.replica.buildAndStore();
      expect(a!.replica.lookup(after).ok).toBe(true);
      expect(a!.replica.lookup(before).ok).toBe(false);
    } finally {
      owner.close();
      await supervisor.stop();
    }
  });
});
