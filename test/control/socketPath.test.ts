import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { ControlSocketError, startLink, type TokenStoreHandle } from '../../src';
import { prepareSocketPath } from '../../src/control/socketPath';
import { cleanUp, exchange, openTestSocket, privateDirectory } from './harness';

// Where a control socket may be created, checked before anything is bound: the exact
// limits of a socket address, and the exact reason for every path refused.

const isRoot = process.getuid?.() === 0;
const servers: Server[] = [];
let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-socket-path-${(storeCount += 1)}` });
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  await cleanUp();
  await store.stop();
});

/** A directory of exactly `bytes` bytes as an absolute path, mode 0700. */
function directoryOf(bytes: number): string {
  const base = privateDirectory();
  const directory = join(base, 'd'.repeat(bytes - Buffer.byteLength(base) - 1));
  mkdirSync(directory, { mode: 0o700 });
  expect(Buffer.byteLength(directory)).toBe(bytes);
  return directory;
}

async function listening(path: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done) => server.listen(path, done));
}

async function refusal(path: string): Promise<ControlSocketError> {
  const error: unknown = await prepareSocketPath(path).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ControlSocketError);
  return error as ControlSocketError;
}

describe('the length of the path', () => {
  it('accepts a path of 107 bytes, the most a Linux socket address holds, and serves on it', async () => {
    const base = privateDirectory();
    const path = join(base, 's'.repeat(107 - Buffer.byteLength(base) - 1));
    expect(Buffer.byteLength(path)).toBe(107);
    const control = await openTestSocket(store, { path });
    expect(await exchange(control.path, '{"command":"status"}\n')).toEqual([{ ok: true, command: 'status', active: false }]);
  });

  it('refuses a path of 108 bytes with a RangeError that says the limit', async () => {
    const base = privateDirectory();
    const path = join(base, 's'.repeat(108 - Buffer.byteLength(base) - 1));
    await expect(prepareSocketPath(path)).rejects.toThrow(new RangeError('options.path must be at most 107 bytes long as an absolute path'));
  });

  it('counts the bytes of the absolute path, not the characters of the given one', async () => {
    const base = privateDirectory();
    // 53 two-byte characters are 106 bytes of name, too long beside any directory.
    const path = relative(process.cwd(), join(base, 'é'.repeat(53)));
    await expect(prepareSocketPath(path)).rejects.toThrow(RangeError);
  });

  it("accepts a directory of 77 bytes, which leaves room for the temporary name, and refuses one of 78", async () => {
    const fits = join(directoryOf(77), 's');
    await expect(prepareSocketPath(fits)).resolves.toBe(fits);
    const tooLong = join(directoryOf(78), 's');
    await expect(prepareSocketPath(tooLong)).rejects.toThrow(
      new RangeError("options.path's directory must be at most 77 bytes long as an absolute path"),
    );
  });

  it('answers the absolute path of a relative one', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(prepareSocketPath(relative(process.cwd(), path))).resolves.toBe(path);
  });

  it.each([[''], [undefined], [42]])('refuses %p as a path with a TypeError', async (path) => {
    await expect(prepareSocketPath(path as string)).rejects.toThrow(new TypeError('options.path must be a non-empty string'));
  });
});

describe('the directory', () => {
  it('refuses a directory that does not exist, naming why', async () => {
    const path = join(privateDirectory(), 'missing', 'control.sock');
    const error = await refusal(path);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_SOCKET_UNSAFE', socketPath: path });
    expect(error.message).toBe(`control socket ${path}: its directory cannot be used (ENOENT)`);
  });

  it('refuses a parent that is a file', async () => {
    const file = join(privateDirectory(), 'file');
    writeFileSync(file, '');
    const path = join(file, 'control.sock');
    expect((await refusal(path)).message).toBe(`control socket ${path}: its parent is not a directory`);
  });

  it.each([
    ['0750', 0o750],
    ['0701', 0o701],
    ['1777', 0o1777],
  ])('refuses a directory of mode %s, and says so', async (printed, mode) => {
    const directory = join(privateDirectory(), 'shared');
    mkdirSync(directory);
    chmodSync(directory, mode);
    const path = join(directory, 'control.sock');
    expect((await refusal(path)).message).toBe(
      `control socket ${path}: its directory ${directory} (mode ${printed}) is accessible by others than its owner; use a 0700 directory`,
    );
  });

  it.each([
    ['0700', 0o700],
    ['0500', 0o500],
    ['0300', 0o300],
  ])('accepts a directory of mode %s, open to its owner only', async (_label, mode) => {
    const directory = join(privateDirectory(), 'own');
    mkdirSync(directory);
    chmodSync(directory, mode);
    const path = join(directory, 'control.sock');
    try {
      await expect(prepareSocketPath(path)).resolves.toBe(path);
    } finally {
      chmodSync(directory, 0o700);
    }
  });

  (isRoot ? it : it.skip)('refuses a 0700 directory of another user (needs root to chown)', async () => {
    const directory = join(privateDirectory(), 'theirs');
    mkdirSync(directory, { mode: 0o700 });
    chownSync(directory, 4242, 4242);
    const path = join(directory, 'control.sock');
    expect((await refusal(path)).message).toBe(`control socket ${path}: its directory ${directory} belongs to another user`);
  });
});

describe('what is already at the path', () => {
  it('answers the path of an empty spot as it is', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(prepareSocketPath(path)).resolves.toBe(path);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a regular file, naming why, and leaves it', async () => {
    const path = join(privateDirectory(), 'control.sock');
    writeFileSync(path, 'x');
    expect((await refusal(path)).message).toBe(
      `control socket ${path}: the path exists and is not a socket of this user; refusing to replace it`,
    );
    expect(lstatSync(path).isFile()).toBe(true);
  });

  it('refuses a live socket of its own with ERR_CONTROL_SOCKET_IN_USE and leaves it', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await listening(path);
    const error = await refusal(path);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_SOCKET_IN_USE', message: `control socket ${path}: a service is already listening there` });
    expect(lstatSync(path).isSocket()).toBe(true);
  });

  (isRoot ? it : it.skip)('refuses a socket of another user and leaves it (needs root to chown)', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await listening(path);
    chownSync(path, 4242, 4242);
    expect((await refusal(path)).message).toBe(
      `control socket ${path}: the path exists and is not a socket of this user; refusing to replace it`,
    );
    expect(lstatSync(path).isSocket()).toBe(true);
  });
});
