import { existsSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startDemo, type DemoProcess } from '../support/demoProcess';
import { cleanUp, privateDirectory, runCli } from './harness';

let running: DemoProcess[] = [];

afterEach(async () => {
  await Promise.all(running.map((demo) => (demo.child.exitCode === null ? demo.stop('SIGKILL') : null)));
  running = [];
  await cleanUp();
});

async function demo(socketPath: string): Promise<DemoProcess> {
  const started = await startDemo({ BREAK_GLASS_SOCKET: socketPath });
  running.push(started);
  return started;
}

function admin(service: DemoProcess, token: string): Promise<number> {
  return fetch(`${service.url}/admin`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.status);
}

describe('the demo service with its control socket', () => {
  it('issues a fresh token and revokes it without a restart, then removes the socket on SIGTERM', async () => {
    const socketPath = join(privateDirectory(), 'control.sock');
    const service = await demo(socketPath);
    expect(service.output()).toContain(`control socket: ${socketPath}`);
    expect(lstatSync(socketPath).mode & 0o777).toBe(0o600);

    const issued = await runCli(['issue', '--json', '--socket', socketPath]);
    const fresh = (JSON.parse(issued.stdout) as { token: string }).token;
    expect(await admin(service, fresh)).toBe(200);
    expect(await admin(service, service.token)).toBe(401);

    const revoked = await runCli(['revoke', '--socket', socketPath], { stdin: `${fresh}\n` });
    expect(revoked.status).toBe(0);
    expect(await admin(service, fresh)).toBe(401);

    expect(await service.stop('SIGTERM')).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('without BREAK_GLASS_SOCKET, uses a private directory and removes it on SIGINT', async () => {
    const service = await demo('');
    const socketPath = /control socket: (\S+)/.exec(service.output())?.[1] as string;
    expect(lstatSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    expect(await service.stop('SIGINT')).toBe(0);
    expect(existsSync(dirname(socketPath))).toBe(false);
  });
});
