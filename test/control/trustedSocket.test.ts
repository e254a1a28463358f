import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeToken, sendControlRequest } from '../../src';
import { runCli } from '../../src/cli/run';
import { checkTrustedSocket } from '../../src/control/trustedSocket';
import { cleanUp, privateDirectory } from './harness';

// A revoke carries the token. These tests plant listening sockets where the
// client must not trust them and check that not one byte reaches them.

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await cleanUp();
});

/** A socket at `path` that records everything anyone sends it. */
async function planted(path: string): Promise<{ received: () => string }> {
  let received = '';
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { received: () => received };
}

const TOKEN = encodeToken(Buffer.alloc(32, 7));
const isRoot = process.getuid?.() === 0;

describe('sendControlRequest() trusts only a socket of the service\'s user', () => {
  it('sends nothing to a socket in a directory others can write to, and says why', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const trap = await planted(path);
    chmodSync(directory, 0o773);
    const sent = sendControlRequest(path, { command: 'revoke', token: TOKEN });
    await expect(sent).rejects.toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE' });
    await expect(sent).rejects.toThrow('writable by others');
    expect(trap.received()).toBe('');
  });

  it('sends nothing through a symbolic link, even to a socket that would pass', async () => {
    const directory = privateDirectory();
    const trap = await planted(join(directory, 'real.sock'));
    symlinkSync(join(directory, 'real.sock'), join(directory, 'link.sock'));
    await expect(sendControlRequest(join(directory, 'link.sock'), { command: 'revoke', token: TOKEN })).rejects.toMatchObject({
      code: 'ERR_CONTROL_SOCKET_UNSAFE',
    });
    expect(trap.received()).toBe('');
    // The same socket by its own path is trusted: the refusal above was the link's.
    await expect(sendControlRequest(join(directory, 'real.sock'), { command: 'status' }, { timeoutMs: 100 })).rejects.toMatchObject({
      reason: 'timeout',
    });
    expect(trap.received()).toBe('{"command":"status"}\n');
  });

  it('refuses a regular file at the path without connecting', async () => {
    const path = join(privateDirectory(), 'control.sock');
    writeFileSync(path, '');
    await expect(sendControlRequest(path, { command: 'status' })).rejects.toThrow('it is not a socket');
  });

  it('answers no_socket when nothing is at the path', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(sendControlRequest(path, { command: 'status' })).rejects.toMatchObject({
      code: 'ERR_CONTROL_UNREACHABLE',
      reason: 'no_socket',
    });
  });

  it('refuses, for anyone but root, a socket that another user owns', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await planted(path);
    const owner = process.getuid?.() ?? 0;
    await expect(checkTrustedSocket(path, owner)).resolves.toBeUndefined();
    await expect(checkTrustedSocket(path, owner + 4242)).rejects.toThrow('it belongs to another user');
    await expect(checkTrustedSocket(path, 0)).resolves.toBeUndefined();
  });

  (isRoot ? it : it.skip)('refuses a socket whose directory belongs to another user than the socket (needs root to chown)', async () => {
    const directory = join(privateDirectory(), 'theirs');
    mkdirSync(directory, { mode: 0o755 });
    const path = join(directory, 'control.sock');
    const trap = await planted(path);
    chownSync(directory, 4242, 4242);
    await expect(sendControlRequest(path, { command: 'revoke', token: TOKEN })).rejects.toThrow('belongs to another user than the socket');
    expect(trap.received()).toBe('');
  });
});

describe('break-glass revoke at an untrusted socket', () => {
  it('exits with the refused status and never sends the token', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const trap = await planted(path);
    chmodSync(directory, 0o777);
    let stderr = '';
    const status = await runCli(['revoke', '--socket', path], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: Readable.from([`${TOKEN}\n`]),
      env: {},
      now: Date.now,
    });
    expect(status).toBe(4);
    expect(stderr).toBe(`break-glass: control socket ${path}: its directory ${directory} is writable by others than its owner\n`);
    expect(trap.received()).toBe('');
  });
});

describe('checkTrustedSocket() names what it found', () => {
  async function refusal(path: string, uid?: number): Promise<Error> {
    const error: unknown = await checkTrustedSocket(path, uid).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE', socketPath: path });
    return error as Error;
  }

  it('answers no_socket for a path under a regular file', async () => {
    const file = join(privateDirectory(), 'file');
    writeFileSync(file, '');
    await expect(checkTrustedSocket(join(file, 'control.sock'))).rejects.toMatchObject({
      code: 'ERR_CONTROL_UNREACHABLE',
      reason: 'no_socket',
    });
  });

  it('refuses a path it cannot inspect, with the system code', async () => {
    const path = join(privateDirectory(), `${'n'.repeat(300)}.sock`);
    expect((await refusal(path)).message).toBe(`control socket ${path}: it cannot be inspected (ENAMETOOLONG)`);
  });

  it('refuses a symbolic link and a regular file, each with its reason', async () => {
    const directory = privateDirectory();
    await planted(join(directory, 'real.sock'));
    symlinkSync(join(directory, 'real.sock'), join(directory, 'link.sock'));
    expect((await refusal(join(directory, 'link.sock'))).message).toBe(
      `control socket ${join(directory, 'link.sock')}: it is a symbolic link; give the socket's own path`,
    );
    writeFileSync(join(directory, 'file.sock'), '');
    expect((await refusal(join(directory, 'file.sock'))).message).toBe(`control socket ${join(directory, 'file.sock')}: it is not a socket`);
  });

  it.each([
    ['0720', 0o720],
    ['0702', 0o702],
  ])('refuses a socket in a directory of mode %s, writable by others', async (_label, mode) => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    await planted(path);
    chmodSync(directory, mode);
    expect((await refusal(path)).message).toBe(`control socket ${path}: its directory ${directory} is writable by others than its owner`);
  });

  it.each([
    ['0755', 0o755],
    ['0750', 0o750],
    ['0705', 0o705],
  ])('trusts a socket in a directory of mode %s, which others may read but not write', async (_label, mode) => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    await planted(path);
    chmodSync(directory, mode);
    await expect(checkTrustedSocket(path)).resolves.toBeUndefined();
  });

  it('says whose socket it is when it refuses another user\'s', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await planted(path);
    const owner = process.getuid?.() ?? 0;
    expect((await refusal(path, owner + 4242)).message).toBe(
      `control socket ${path}: it belongs to another user (uid ${owner}); run as the service's user`,
    );
  });

  (isRoot ? it : it.skip)("trusts, for root, another user's socket in a directory of root's or of that user (needs root to chown)", async () => {
    // Under root's own directory.
    const path = join(privateDirectory(), 'control.sock');
    await planted(path);
    chownSync(path, 4242, 4242);
    await expect(checkTrustedSocket(path, 0)).resolves.toBeUndefined();
    await expect(checkTrustedSocket(path, 4242)).resolves.toBeUndefined();
    await expect(checkTrustedSocket(path, 4243)).rejects.toThrow('it belongs to another user (uid 4242)');
    // Under a directory of the socket's owner.
    const directory = join(privateDirectory(), 'theirs');
    mkdirSync(directory, { mode: 0o700 });
    const theirs = join(directory, 'control.sock');
    await planted(theirs);
    chownSync(theirs, 4242, 4242);
    chownSync(directory, 4242, 4242);
    await expect(checkTrustedSocket(theirs, 0)).resolves.toBeUndefined();
  });

  (isRoot ? it : it.skip)("refuses a socket in a directory of a third user, neither the socket's owner nor root (needs root to chown)", async () => {
    const directory = join(privateDirectory(), 'third');
    mkdirSync(directory, { mode: 0o700 });
    const path = join(directory, 'control.sock');
    await planted(path);
    chownSync(path, 4242, 4242);
    chownSync(directory, 4343, 4343);
    expect((await refusal(path, 0)).message).toBe(`control socket ${path}: its directory ${directory} belongs to another user than the socket`);
  });

  (isRoot ? it : it.skip)('checks no owner where the platform has no user ids (needs root to chown)', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await planted(path);
    chownSync(path, 4242, 4242);
    const getuid = Object.getOwnPropertyDescriptor(process, 'getuid')!;
    Object.defineProperty(process, 'getuid', { value: undefined, configurable: true, writable: true });
    try {
      await expect(checkTrustedSocket(path)).resolves.toBeUndefined();
    } finally {
      Object.defineProperty(process, 'getuid', getuid);
    }
  });
});
