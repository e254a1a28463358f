import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { ControlSocketError, ControlUnreachableError } from '../../src';
import { prepareSocketPath } from '../../src/control/socketPath';
import { checkTrustedSocket } from '../../src/control/trustedSocket';
import { cleanUp, privateDirectory, staleSocket } from './harness';

// What the socket checks make of file-system and connection errors that a test run as
// root never meets (permissions do not stop root) or that need a rival process at the
// right moment: each is staged on the real call for the one path under test, and each
// must come out as the documented error, naming the system's code.

// The module objects themselves, as the library reads them.
const fs = require('node:fs/promises') as typeof import('node:fs/promises');
const net = require('node:net') as typeof import('node:net');

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanUp();
});

function systemError(code: string | undefined): NodeJS.ErrnoException {
  return Object.assign(new Error(`staged ${code ?? 'error'}`), code === undefined ? {} : { code });
}

/** Makes `name` of fs/promises fail with `code` for `path` only. */
function failFor(name: 'lstat' | 'stat' | 'unlink', path: string, code: string | undefined): void {
  const original = fs[name] as (path: string) => Promise<unknown>;
  jest.spyOn(fs, name).mockImplementation(((target: string, ...rest: unknown[]) =>
    target === path ? Promise.reject(systemError(code)) : (original as (...args: unknown[]) => Promise<unknown>)(target, ...rest)) as never);
}

async function listeningSocket(): Promise<{ path: string; close: () => Promise<unknown> }> {
  const path = join(privateDirectory(), 'control.sock');
  const server = createServer();
  await new Promise<void>((done) => server.listen(path, done));
  return { path, close: () => new Promise((done) => server.close(done)) };
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('checkTrustedSocket()', () => {
  it('answers permission_denied when the socket cannot be looked at for want of permission', async () => {
    const { path, close } = await listeningSocket();
    try {
      failFor('lstat', path, 'EACCES');
      const error = await caught(checkTrustedSocket(path));
      expect(error).toBeInstanceOf(ControlUnreachableError);
      expect(error).toMatchObject({ reason: 'permission_denied', message: `no break-glass service answers at ${path} (permission denied)` });
    } finally {
      await close();
    }
  });

  it('refuses a socket whose inspection fails without a code, saying so', async () => {
    const { path, close } = await listeningSocket();
    try {
      failFor('lstat', path, undefined);
      expect((await caught(checkTrustedSocket(path))).message).toBe(`control socket ${path}: it cannot be inspected (error)`);
    } finally {
      await close();
    }
  });

  it.each([
    ['EIO', 'EIO'],
    ['no code', undefined],
  ])('refuses a socket whose directory cannot be inspected (%s)', async (_label, code) => {
    const { path, close } = await listeningSocket();
    try {
      failFor('stat', join(path, '..'), code);
      const error = await caught(checkTrustedSocket(path));
      expect(error).toBeInstanceOf(ControlSocketError);
      expect(error).toMatchObject({
        code: 'ERR_CONTROL_SOCKET_UNSAFE',
        message: `control socket ${path}: its directory cannot be inspected (${code ?? 'error'})`,
      });
    } finally {
      await close();
    }
  });
});

describe('prepareSocketPath()', () => {
  it.each([
    ['EACCES', 'EACCES'],
    ['no code', undefined],
  ])('refuses a path that cannot be inspected (%s)', async (_label, code) => {
    const path = join(privateDirectory(), 'control.sock');
    failFor('lstat', path, code);
    const error = await caught(prepareSocketPath(path));
    expect(error).toBeInstanceOf(ControlSocketError);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE', message: `control socket ${path}: cannot be inspected (${code ?? 'error'})` });
  });

  it('refuses a directory whose stat fails without a code', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    failFor('stat', directory, undefined);
    expect((await caught(prepareSocketPath(path))).message).toBe(`control socket ${path}: its directory cannot be used (error)`);
  });

  it('removes a stale socket of its own and answers the path', async () => {
    const stale = await staleSocket();
    await expect(prepareSocketPath(stale)).resolves.toBe(stale);
    expect(existsSync(stale)).toBe(false);
  });

  it.each([
    ['EACCES', 'EACCES'],
    ['no code', undefined],
  ])('refuses a stale socket it cannot remove (%s), and leaves it', async (_label, code) => {
    const stale = await staleSocket();
    failFor('unlink', stale, code);
    const error = await caught(prepareSocketPath(stale));
    expect(error).toMatchObject({
      code: 'ERR_CONTROL_SOCKET_UNSAFE',
      message: `control socket ${stale}: the stale socket cannot be removed (${code ?? 'error'})`,
    });
    expect(existsSync(stale)).toBe(true);
  });

  it('answers the path of a stale socket someone else removed meanwhile', async () => {
    const stale = await staleSocket();
    failFor('unlink', stale, 'ENOENT');
    await expect(prepareSocketPath(stale)).resolves.toBe(stale);
  });

  /** Makes the probe connection to `path` fail with `code`. */
  function probeFails(path: string, code: string): void {
    const original = net.connect;
    jest.spyOn(net, 'connect').mockImplementation(((...args: unknown[]) => {
      if (args[0] !== path) return (original as (...rest: unknown[]) => Socket)(...args);
      const socket = new Socket();
      process.nextTick(() => socket.emit('error', systemError(code)));
      return socket;
    }) as never);
  }

  it('takes a socket whose probe fails other than by refusal for one in use, and leaves it', async () => {
    const stale = await staleSocket();
    probeFails(stale, 'EACCES');
    const error = await caught(prepareSocketPath(stale));
    expect(error).toMatchObject({ code: 'ERR_CONTROL_SOCKET_IN_USE', message: `control socket ${stale}: a service is already listening there` });
    expect(existsSync(stale)).toBe(true);
  });

  it('takes a socket that vanished before the probe for a stale one', async () => {
    const stale = await staleSocket();
    probeFails(stale, 'ENOENT');
    await expect(prepareSocketPath(stale)).resolves.toBe(stale);
    expect(existsSync(stale)).toBe(false);
  });

  it("refuses every directory where the platform has no user ids, since none can be known to be this user's", async () => {
    const directory = privateDirectory();
    const getuid = Object.getOwnPropertyDescriptor(process, 'getuid')!;
    Object.defineProperty(process, 'getuid', { value: undefined, configurable: true, writable: true });
    try {
      expect((await caught(prepareSocketPath(join(directory, 'control.sock')))).message).toBe(
        `control socket ${join(directory, 'control.sock')}: its directory ${directory} belongs to another user`,
      );
    } finally {
      Object.defineProperty(process, 'getuid', getuid);
    }
  });
});
