import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ipcChannel, threadWorkerChannel, type IpcEndpoint } from '../../src/cluster/channel';
import { openReplica } from '../../src/cluster/replica';
import { serveReplicas } from '../../src/cluster/serveReplicas';
import { startLink } from '../../src/startLink';
import { encodeToken } from '../../src/token';

const FIXTURES = join(__dirname, 'fixtures');
const TS_NODE = require.resolve('ts-node/register/transpile-only');

/** A worker thread running a TypeScript fixture; resolves once its replica is ready. */
function startThread(
  storeName: string,
  attach: (worker: Worker) => void,
): Promise<{ worker: Worker; ask: (request: object) => Promise<unknown> }> {
  const worker = new Worker(`require(${JSON.stringify(TS_NODE)}); require(${JSON.stringify(join(FIXTURES, 'replicaThread.ts'))});`, {
    eval: true,
    workerData: { storeName },
  });
  attach(worker);
  let nextId = 0;
  const ask = (request: object) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const onMessage = (message: { fixture?: string; id?: number; value?: unknown; error?: string }) => {
        if (message?.fixture !== 'result' || message.id !== id) return;
        worker.off('message', onMessage);
        if (message.error !== undefined) reject(Object.assign(new Error(message.error), { code: message.error }));
        else resolve(message.value);
      };
      worker.on('message', onMessage);
      worker.postMessage({ ...request, id });
    });
  return new Promise((resolve, reject) => {
    const onMessage = (message: { fixture?: string }) => {
      if (message?.fixture !== 'ready') return;
      worker.off('message', onMessage);
      resolve({ worker, ask });
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

describe('worker threads', () => {
  const store = startLink({ name: 'thread-test' });
  const owner = serveReplicas(store, { ackTimeoutMs: 60_000 });
  const threads: Worker[] = [];

  afterAll(async () => {
    await Promise.all(threads.map((thread) => thread.terminate()));
    owner.close();
    await store.stop();
  });

  it('accepts a token built in one thread in the other, and refuses it in both once one revoked it', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => startThread(store.name, (worker) => owner.attach(threadWorkerChannel(worker)))));
    threads.push(a!.worker, b!.worker);
    const token = (await a!.ask({ fixture: 'build' })) as string;
    expect(await b!.ask({ fixture: 'lookup', token })).toBe(true);
    expect(owner.lookup(Buffer.from(token, 'base64url')).ok).toBe(true);
    expect(await b!.ask({ fixture: 'revoke', token })).toBe(true);
    expect(await a!.ask({ fixture: 'lookup', token })).toBe(false);
    expect(await b!.ask({ fixture: 'lookup', token })).toBe(false);
  });

  it('resolves a write when a thread is terminated during it', async () => {
    const [live, doomed] = await Promise.all([1, 2].map(() => startThread(store.name, (worker) => owner.attach(threadWorkerChannel(worker)))));
    threads.push(live!.worker);
    const audit: string[] = [];
    const subscription = store.on('replica.dropped', (event) => audit.push(event.reason));
    expect(await doomed!.ask({ fixture: 'stall' })).toBe('stalling');
    const write = owner.buildAndStore();
    const exited = new Promise((resolve) => doomed!.worker.once('exit', resolve));
    void doomed!.worker.terminate();
    await exited;
    const token = encodeToken(await write);
    subscription.unsubscribe();
    expect(await live!.ask({ fixture: 'lookup', token })).toBe(true);
    // Dropped because it exited: the owner's wait is a minute long.
    expect(audit).toEqual(['exited']);
  });
});

describe('an owner in another process', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('empties the replica and fails its waiting and later writes with ERR_OWNER_UNREACHABLE when the owner dies', async () => {
    child = fork(join(FIXTURES, 'ownerProcess.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'] });
    const replica = openReplica({ channel: ipcChannel(child as unknown as IpcEndpoint, 'owner process') });
    await replica.whenReady();
    const token = await replica.buildAndStore();
    expect(replica.lookup(token).ok).toBe(true);

    const stalling = new Promise<void>((resolve) => child!.on('message', (m: { fixture?: string }) => m?.fixture === 'stalling' && resolve()));
    child.send({ fixture: 'stall' });
    await stalling;
    const waiting = replica.clear().catch((error: unknown) => error);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    expect(await waiting).toMatchObject({ code: 'ERR_OWNER_UNREACHABLE' });
    expect(replica.lookup(token)).toEqual({ ok: false });
    expect(replica.ready).toBe(false);
    await expect(replica.buildAndStore()).rejects.toMatchObject({ code: 'ERR_OWNER_UNREACHABLE' });
  });
});
