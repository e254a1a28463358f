import { request } from 'node:http';
import { sendControlRequest } from '../../src/control/client';
import { startDemo, type DemoProcess } from '../support/demoProcess';

/** One request on a fresh connection, so the cluster's round robin hands each to the next worker. */
function status(url: string, method: 'GET' | 'POST', token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, agent: false, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}

describe('the demo service with BREAK_GLASS_WORKERS', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    if (demo !== undefined && demo.child.exitCode === null) await demo.stop('SIGKILL');
    demo = undefined;
  });

  it('prints a token that opens /admin on every worker, and a revoke on one closes all of them', async () => {
    demo = await startDemo({ BREAK_GLASS_WORKERS: '3' });
    expect(demo.output()).toContain('with 3 cluster workers');
    const admin = `${demo.url}/admin`;
    // Nine fresh connections over three workers: each worker answers three of them.
    for (let i = 0; i < 9; i++) expect(await status(admin, 'GET', demo.token)).toBe(200);
    expect(await status(`${demo.url}/break-glass/revoke`, 'POST', demo.token)).toBe(200);
    for (let i = 0; i < 9; i++) expect(await status(admin, 'GET', demo.token)).toBe(401);
  });

  it('issues over its control socket a token that opens /admin on every worker, and revokes it on all of them', async () => {
    demo = await startDemo({ BREAK_GLASS_WORKERS: '3' });
    const socketPath = /control socket: (\S+)/.exec(demo.output())?.[1] as string;
    const issued = await sendControlRequest(socketPath, { command: 'issue' });
    if (!issued.ok || issued.command !== 'issue') throw new Error(`issue failed: ${JSON.stringify(issued)}`);
    const admin = `${demo.url}/admin`;
    // Nine fresh connections over three workers, with no waiting: the socket answered once every worker had the token.
    for (let i = 0; i < 9; i++) {
      expect(await status(admin, 'GET', issued.token)).toBe(200);
      expect(await status(admin, 'GET', demo.token)).toBe(401);
    }
    expect(await sendControlRequest(socketPath, { command: 'revoke', token: issued.token })).toMatchObject({ ok: true });
    for (let i = 0; i < 9; i++) expect(await status(admin, 'GET', issued.token)).toBe(401);
  });

  it('stops its workers and exits cleanly on SIGTERM', async () => {
    demo = await startDemo({ BREAK_GLASS_WORKERS: '2' });
    expect(await demo.stop('SIGTERM')).toBe(0);
  });
});
