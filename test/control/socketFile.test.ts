import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openControlSocket, startLink, type TokenStoreHandle } from '../../src';
import { cleanUp, exchange, openTestSocket, privateDirectory, rawClient } from './harness';

let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-socket-file-${(storeCount += 1)}` });
});

afterEach(async () => {
  await cleanUp();
  await store.stop();
});

/** Leaves a real stale socket behind: a process that listened on `path` and was killed without cleaning up. */
async function staleSocketAt(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('listening'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

describe('openControlSocket()', () => {
  it('creates the socket with mode 0600, readable and writable by its owner only', async () => {
    const control = await openTestSocket(store);
    const info = lstatSync(control.path);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('replaces a stale socket its own user left behind and then answers on it', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await staleSocketAt(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    const control = await openTestSocket(store, { path });
    expect(await exchange(control.path, '{"command":"status"}\n')).toEqual([
      { ok: true, command: 'status', active: false },
    ]);
  });

  it('refuses a path that holds a regular file, and leaves the file as it was', async () => {
    const path = join(privateDirectory(), 'control.sock');
    writeFileSync(path, 'not a socket');
    await expect(openControlSocket(store, { path })).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
    expect(readFileSync(path, 'utf8')).toBe('not a socket');
  });

  it('refuses a path that holds a directory', async () => {
    const path = join(privateDirectory(), 'control.sock');
    mkdirSync(path);
    await expect(openControlSocket(store, { path })).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
    expect(lstatSync(path).isDirectory()).toBe(true);
  });

  it('refuses a path where a live service listens, which keeps answering', async () => {
    const first = await openTestSocket(store);
    await expect(openControlSocket(store, { path: first.path })).rejects.toMatchObject({
      code: 'ERR_CONTROL_SOCKET_IN_USE',
    });
    expect(await exchange(first.path, '{"command":"status"}\n')).toHaveLength(1);
  });

  it.each([
    ['world-writable', 0o777],
    ['group-writable', 0o770],
  ])('refuses a %s directory, even with the sticky bit', async (_label, mode) => {
    const directory = join(privateDirectory(), 'shared');
    mkdirSync(directory);
    chmodSync(directory, mode | 0o1000);
    const path = join(directory, 'control.sock');
    await expect(openControlSocket(store, { path })).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
    expect(existsSync(path)).toBe(false);
  });

  it.each(['0750', '0705', '0770', '0701'])('refuses a directory others may enter, list or write to (mode %s)', async (mode) => {
    const directory = privateDirectory();
    chmodSync(directory, parseInt(mode, 8));
    const path = join(directory, 'control.sock');
    await expect(openControlSocket(store, { path })).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a directory that does not exist with a clear code', async () => {
    const path = join(privateDirectory(), 'missing', 'control.sock');
    await expect(openControlSocket(store, { path })).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
  });

  it('refuses a path too long for a socket address with a RangeError', async () => {
    const path = join(privateDirectory(), `${'x'.repeat(120)}.sock`);
    await expect(openControlSocket(store, { path })).rejects.toBeInstanceOf(RangeError);
  });

  it('refuses a directory too long to hold the temporary name the socket is bound under first', async () => {
    // The path itself fits a socket address; the directory leaves no room for the temporary name beside it.
    const directory = join(privateDirectory(), 'd'.repeat(70));
    mkdirSync(directory, { mode: 0o700 });
    const path = join(directory, 's');
    await expect(openControlSocket(store, { path })).rejects.toThrow("options.path's directory");
    expect(existsSync(path)).toBe(false);
  });

  it.each([
    ['idleTimeoutMs', 0],
    ['maxLineBytes', -1],
    ['maxConnections', Number.NaN],
  ])('rejects options.%s = %p with a RangeError before creating anything', async (name, value) => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(openControlSocket(store, { path, [name]: value })).rejects.toThrow(`options.${name}`);
    expect(existsSync(path)).toBe(false);
  });
});

describe('ControlSocket.close()', () => {
  it('removes the socket file, and a second close is harmless', async () => {
    const control = await openTestSocket(store);
    await control.close();
    expect(existsSync(control.path)).toBe(false);
    await expect(control.close()).resolves.toBeUndefined();
  });

  it('leaves alone a file that replaced the socket at its path', async () => {
    const control = await openTestSocket(store);
    rmSync(control.path);
    writeFileSync(control.path, 'someone else');
    await control.close();
    expect(readFileSync(control.path, 'utf8')).toBe('someone else');
  });

  it('drops connected clients so shutdown does not wait on them', async () => {
    const control = await openTestSocket(store, { idleTimeoutMs: 60_000 });
    const client = await rawClient(control.path);
    await control.close();
    await expect(client.closed()).resolves.toBe('');
  });
});
