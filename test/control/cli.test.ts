import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeToken, encodeToken, startLink, type TokenStoreHandle } from '../../src';
import { runCli as runCommand } from '../../src/cli/run';
import { createBreakGlassServer } from '../../src/demo/server';
import { cleanUp, openTestSocket, privateDirectory, runCli } from './harness';

let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-cli-${(storeCount += 1)}` });
});

afterEach(async () => {
  await cleanUp();
  await store.stop();
});

const TOKEN_LINE = /^ {2}([A-Za-z0-9_-]{43})$/m;

describe('break-glass issue', () => {
  it('prints a token once with a curl line that opens the service over HTTP', async () => {
    const http = createBreakGlassServer(store);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/admin`;
      const control = await openTestSocket(store, { serviceUrl: url });
      const run = await runCli(['issue', '--socket', control.path]);
      expect(run).toMatchObject({ status: 0, stderr: '' });
      const token = TOKEN_LINE.exec(run.stdout)?.[1] as string;
      expect(run.stdout).toContain(`curl -H 'Authorization: Bearer ${token}' ${url}`);
      expect(run.stdout.split(token)).toHaveLength(3);
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('names the revoke command as npm runs it when started by `npm run break-glass`, and as installed otherwise', async () => {
    const control = await openTestSocket(store);
    const throughNpm = await runCli(['issue', '--socket', control.path], { env: { npm_lifecycle_event: 'break-glass' } });
    expect(throughNpm.stdout).toContain(`\n  npm run break-glass -- revoke --socket ${control.path}\n`);
    const installed = await runCli(['issue', '--socket', control.path], { env: { npm_lifecycle_event: '' } });
    expect(installed.stdout).toContain(`\n  break-glass revoke --socket ${control.path}\n`);
  });

  it('prints the service response as one JSON line with --json, socket taken from BREAK_GLASS_SOCKET', async () => {
    const control = await openTestSocket(store);
    const run = await runCli(['issue', '--json'], { env: { BREAK_GLASS_SOCKET: control.path } });
    expect(run.status).toBe(0);
    const response = JSON.parse(run.stdout) as { ok: boolean; token: string };
    expect(response.ok).toBe(true);
    expect(store.lookup(decodeToken(response.token)).ok).toBe(true);
  });
});

describe('break-glass status', () => {
  it('shows the fingerprint of the active token and never the token', async () => {
    const token = encodeToken(await store.buildAndStore());
    const control = await openTestSocket(store);
    const text = await runCli(['status', '--socket', control.path]);
    const json = await runCli(['--json', 'status', `--socket=${control.path}`]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^A token is active: fingerprint [0-9a-f]{16}, issued /);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, active: true });
    expect(`${text.stdout}${json.stdout}`).not.toContain(token);
  });
});

describe('break-glass revoke', () => {
  it('revokes the token read from standard input', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    const run = await runCli(['revoke', '--socket', control.path], { stdin: `${encodeToken(token)}\n` });
    expect(run).toMatchObject({ status: 0, stdout: expect.stringContaining('Revoked') });
    expect(store.lookup(token).ok).toBe(false);
  });

  it('exits 4 when the token is not the active one, and the active one stays', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    const other = encodeToken(Buffer.from(token).map((byte) => byte ^ 0xff));
    const run = await runCli(['revoke', other, '--socket', control.path]);
    expect(run.status).toBe(4);
    expect(run.stderr).toContain('not the active one');
    expect(store.lookup(token).ok).toBe(true);
  });

  it('exits 2 for a malformed token without echoing it', async () => {
    const control = await openTestSocket(store);
    const run = await runCli(['revoke', '--socket', control.path], { stdin: 'not-a-token-at-all\n' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('malformed token');
    expect(run.stderr).not.toContain('not-a-token-at-all');
  });
});

describe('break-glass clear', () => {
  it('removes the active token', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    expect((await runCli(['clear', '--socket', control.path])).status).toBe(0);
    expect(store.lookup(token).ok).toBe(false);
  });
});

describe('break-glass exit statuses', () => {
  it('exits 3 when no service listens at the socket path', async () => {
    const run = await runCli(['status', '--socket', join(privateDirectory(), 'nobody.sock')]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('no break-glass service answers');
  });

  it('exits 5 when the service answers but its store is not running', async () => {
    const control = await openTestSocket(store);
    await store.stop();
    expect((await runCli(['issue', '--socket', control.path])).status).toBe(5);
  });

  it('exits 2 with the usage text when no socket is given', async () => {
    const run = await runCli(['status']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: break-glass');
  });

  it('exits 2 with a JSON error on stdout and no usage text when the command line asked for --json', async () => {
    const run = await runCli(['status', '--json']);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      command: null,
      error: { code: 'ERR_CONTROL_USAGE', message: 'no socket: pass --socket PATH or set BREAK_GLASS_SOCKET' },
    });
    expect(run.stderr).not.toContain('usage: break-glass');
  });

  it.each([
    [['frobnicate', '--socket', '/x']],
    [['status', '--socket']],
    [['status', '--colour', '--socket', '/x']],
    [['issue', 'extra', '--socket', '/x']],
    [['status', '--socket', '/x', '--timeout', 'soon']],
  ])('exits 2 with the usage text for %j, without contacting anything', async (args) => {
    let stderr = '';
    const status = await runCommand(args, {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: Readable.from([]),
      env: {},
      now: Date.now,
    });
    expect(status).toBe(2);
    expect(stderr).toContain('usage: break-glass');
  });

  it('exits 0 with the usage text for --help', async () => {
    const run = await runCli(['--help']);
    expect(run).toMatchObject({ status: 0, stdout: expect.stringContaining('exit status') });
  });
});
