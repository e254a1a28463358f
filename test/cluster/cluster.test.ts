import type { Worker } from 'node:cluster';
import { sendControlRequest } from '../../src/control/client';
import { encodeToken } from '../../src/token';
import { cleanUp, openTestSocket } from '../control/harness';
import { call, startFleet, type Fleet } from './support/fleet';

/** Tells a worker to block its event loop and resolves once it is about to. */
function stall(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { fixture?: string }) => {
      if (message?.fixture !== 'stalling') return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.send({ fixture: 'stall' });
  });
}

describe('cluster workers over loopback HTTP', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(3);
  });
  afterAll(async () => {
    await fleet.stop();
  });
  afterEach(async () => {
    await cleanUp();
    await fleet.owner.clear();
  });

  it('accepts in every worker a token issued through a control socket on the store, and refuses the one it replaced', async () => {
    const old = (await call(`${fleet.workers[0]!.url}/build`, 'POST')).body.token as string;
    const control = await openTestSocket(fleet.store);
    const issued = await sendControlRequest(control.path, { command: 'issue' });
    if (!issued.ok || issued.command !== 'issue') throw new Error(`issue failed: ${JSON.stringify(issued)}`);
    // The control socket writes on the store's handle, which does not wait for replicas: the owner does.
    await fleet.owner.whenConfirmed();
    for (const { url } of fleet.workers) {
      expect((await call(`${url}/admin`, 'GET', issued.token)).status).toBe(200);
      expect((await call(`${url}/admin`, 'GET', old)).status).toBe(401);
    }
  });

  it('accepts a token built in one worker in each of the others', async () => {
    const [builder, ...others] = fleet.workers;
    const built = await call(`${builder!.url}/build`, 'POST');
    const token = built.body.token as string;
    for (const { url } of others) expect((await call(`${url}/admin`, 'GET', token)).status).toBe(200);
    expect((await call(`${builder!.url}/admin`, 'GET', token)).status).toBe(200);
  });

  it('refuses a token in every worker once one worker revoked it', async () => {
    const token = encodeToken(await fleet.owner.buildAndStore());
    for (const { url } of fleet.workers) expect((await call(`${url}/admin`, 'GET', token)).status).toBe(200);
    expect((await call(`${fleet.workers[1]!.url}/revoke`, 'POST', token)).body).toEqual({ ok: true });
    for (const { url } of fleet.workers) expect((await call(`${url}/admin`, 'GET', token)).status).toBe(401);
    expect((await call(`${fleet.workers[2]!.url}/revoke`, 'POST', token)).body).toEqual({ ok: false });
  });

  it('refuses the old token everywhere once another worker built a new one', async () => {
    const old = (await call(`${fleet.workers[0]!.url}/build`, 'POST')).body.token as string;
    const fresh = (await call(`${fleet.workers[2]!.url}/build`, 'POST')).body.token as string;
    for (const { url } of fleet.workers) {
      expect((await call(`${url}/admin`, 'GET', old)).status).toBe(401);
      expect((await call(`${url}/admin`, 'GET', fresh)).status).toBe(200);
    }
  });

  it('gives a worker started later the current token before it serves', async () => {
    const token = (await call(`${fleet.workers[0]!.url}/build`, 'POST')).body.token as string;
    const late = await fleet.fork();
    expect((await call(`${late.url}/admin`, 'GET', token)).status).toBe(200);
    expect((await call(`${late.url}/clear`, 'POST')).body).toEqual({ ok: true });
    for (const { url } of fleet.workers) expect((await call(`${url}/admin`, 'GET', token)).status).toBe(401);
  });
});

describe('cluster workers that die or hang during a write', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('resolves a write when a worker is killed while the owner waits for it, and drops that worker', async () => {
    fleet = await startFleet(2, { ackTimeoutMs: 60_000 });
    const [serving, doomed] = fleet.workers;
    await stall(doomed!.worker);
    const write = fleet.owner.buildAndStore();
    doomed!.worker.process.kill('SIGKILL');
    const token = encodeToken(await write);
    expect((await call(`${serving!.url}/admin`, 'GET', token)).status).toBe(200);
    // Dropped because it exited, not because the (one-minute) wait ran out.
    expect(fleet.audit).toContainEqual(expect.objectContaining({ type: 'replica.dropped', reason: 'exited' }));
    expect(fleet.owner.replicas).toBe(1);
  });

  it('ends a worker that does not confirm a write within ackTimeoutMs, and resolves the write without it', async () => {
    fleet = await startFleet(2, { ackTimeoutMs: 200 });
    const [serving, stuck] = fleet.workers;
    await stall(stuck!.worker);
    const token = (await call(`${serving!.url}/build`, 'POST')).body.token as string;
    await stuck!.exited;
    expect(stuck!.worker.process.signalCode).toBe('SIGKILL');
    expect((await call(`${serving!.url}/admin`, 'GET', token)).status).toBe(200);
    expect(fleet.audit).toContainEqual(
      expect.objectContaining({ type: 'replica.dropped', replica: `cluster worker ${stuck!.worker.id}`, reason: 'unresponsive' }),
    );
  });

  it('empties every worker when the owner store crashes, and answers the failed write with ERR_STORE_EXITED', async () => {
    let draws = 0;
    const randomBytes = (size: number) => (++draws === 1 ? Buffer.alloc(size, 5) : Buffer.alloc(1));
    fleet = await startFleet(2, { store: { randomBytes } });
    const [a, b] = fleet.workers;
    const token = (await call(`${a!.url}/build`, 'POST')).body.token as string;
    expect((await call(`${b!.url}/admin`, 'GET', token)).status).toBe(200);
    expect(await call(`${b!.url}/build`, 'POST')).toEqual({ status: 503, body: { code: 'ERR_STORE_EXITED' } });
    for (const { url } of fleet.workers) expect((await call(`${url}/admin`, 'GET', token)).status).toBe(401);
    expect(await call(`${a!.url}/build`, 'POST')).toEqual({ status: 503, body: { code: 'ERR_NOT_RUNNING' } });
  });
});
