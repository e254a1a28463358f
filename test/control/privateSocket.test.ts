import { existsSync, lstatSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FILE_STEPS, listenPrivately, removePublished, type PublishSteps } from '../../src/control/privateSocket';
import { cleanUp, privateDirectory } from './harness';

const ROOT = join(__dirname, '..', '..');
const TS_NODE = require.resolve('ts-node/register/transpile-only');

afterEach(cleanUp);

/** One directory event as `fs.watch` reports it. */
interface Seen {
  readonly type: string;
  readonly name: string | null;
}

/**
 * Opens a control socket at `path` in a worker thread, where the process umask
 * cannot be changed, and answers a function that closes it again.
 */
function openInThread(path: string): Promise<{ close: () => Promise<void> }> {
  const source = `
    require(${JSON.stringify(TS_NODE)});
    const { parentPort, workerData } = require('node:worker_threads');
    const { openControlSocket } = require(${JSON.stringify(join(ROOT, 'src', 'control', 'server.ts'))});
    const { startLink } = require(${JSON.stringify(join(ROOT, 'src', 'startLink.ts'))});
    (async () => {
      const store = startLink({ name: 'control-in-thread' });
      const control = await openControlSocket(store, { path: workerData.path });
      parentPort.postMessage({ opened: true });
      parentPort.once('message', async () => {
        await control.close();
        await store.stop();
        parentPort.postMessage({ closed: true });
      });
    })().catch((error) => parentPort.postMessage({ error: String(error && error.code) }));
  `;
  const worker = new Worker(source, { eval: true, workerData: { path } });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  return next().then((message) => {
    if (message.opened !== true) throw new Error(`the thread could not open the socket: ${String(message.error)}`);
    return {
      close: async () => {
        const closed = next();
        worker.postMessage('close');
        await closed;
        await worker.terminate();
      },
    };
  });
}

describe('publishing the control socket', () => {
  it('never shows the socket at its path with a mode other than 0600, even opened from a worker thread', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const seen: Seen[] = [];
    const modesAtPath: number[] = [];
    const watcher = watch(directory, (type, name) => {
      seen.push({ type, name });
      if (name === 'control.sock' && existsSync(path)) modesAtPath.push(lstatSync(path).mode & 0o777);
    });
    try {
      const control = await openInThread(path);
      // Events of one directory arrive in order: once the marker's arrives, every earlier one has.
      const marked = new Promise<void>((resolve) => watcher.on('change', (_type, name) => name === 'marker' && resolve()));
      writeFileSync(join(directory, 'marker'), '');
      await marked;

      const atPath = seen.filter((event) => event.name === 'control.sock');
      // The path appears once, already 0600, and is never chmod-ed afterwards (a chmod reports 'change').
      expect(atPath.map((event) => event.type)).toEqual(['rename']);
      expect(modesAtPath).toEqual([0o600]);
      // Before it appeared, the socket was made private under another name in the same directory.
      const appeared = seen.indexOf(atPath[0]!);
      const before = seen.slice(0, appeared);
      expect(before.some((event) => event.type === 'change' && event.name !== 'control.sock')).toBe(true);
      expect(readdirSync(directory).sort()).toEqual(['control.sock', 'marker']);
      expect(lstatSync(path).mode & 0o777).toBe(0o600);
      await control.close();
      expect(readdirSync(directory)).toEqual(['marker']);
    } finally {
      watcher.close();
    }
  });

  it('binds under a temporary name, chmods it to 0600, and only then links it to its path', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const steps: string[] = [];
    const recording: PublishSteps = {
      chmod: async (file, mode) => {
        steps.push(`chmod ${file === path ? 'path' : 'temporary'} ${mode.toString(8)}`);
        await FILE_STEPS.chmod(file, mode);
      },
      link: async (from, to) => {
        steps.push(`link ${dirname(from) === directory && from !== path ? 'temporary' : from} ${to === path ? 'path' : to}`);
        // The file that is about to appear at the path is already private, and nothing is there yet.
        expect(lstatSync(from).mode & 0o777).toBe(0o600);
        expect(lstatSync(from).isSocket()).toBe(true);
        expect(existsSync(path)).toBe(false);
        await FILE_STEPS.link(from, to);
      },
      unlink: async (file) => {
        steps.push(`unlink ${file === path ? 'path' : 'temporary'}`);
        await FILE_STEPS.unlink(file);
      },
    };
    const server = createServer((socket) => socket.end('hello\n'));
    await listenPrivately(server, path, recording);
    try {
      expect(steps).toEqual(['chmod temporary 600', 'link temporary path', 'unlink temporary']);
      expect(readdirSync(directory)).toEqual(['control.sock']);
      // Clients reach the server through the published name.
      const answer = await new Promise<string>((resolve) => {
        const client = connect(path);
        let text = '';
        client.on('data', (chunk: Buffer) => (text += chunk.toString()));
        client.on('close', () => resolve(text));
      });
      expect(answer).toBe('hello\n');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses with ERR_CONTROL_SOCKET_IN_USE a path taken just before the link, leaves that file alone and removes its own', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const rival: PublishSteps = {
      ...FILE_STEPS,
      link: async (from, to) => {
        // Another service of this user got there first, after the path was checked.
        writeFileSync(to, 'rival');
        await FILE_STEPS.link(from, to);
      },
    };
    const server = createServer();
    await expect(listenPrivately(server, path, rival)).rejects.toMatchObject({
      code: 'ERR_CONTROL_SOCKET_IN_USE',
      message: `control socket ${path}: the path was taken while the socket was opened`,
    });
    expect(server.listening).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('rival');
    expect(readdirSync(directory)).toEqual(['control.sock']);
  });

  it('closes the server and removes the temporary socket when the chmod fails', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    // A real failure of the real call: the chmod is aimed at a name that does not exist.
    const failing: PublishSteps = { ...FILE_STEPS, chmod: (file, mode) => FILE_STEPS.chmod(`${file}.gone`, mode) };
    const server = createServer();
    await expect(listenPrivately(server, path, failing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(server.listening).toBe(false);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('removes the temporary socket when the link fails for another reason', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const failing: PublishSteps = { ...FILE_STEPS, link: (from) => FILE_STEPS.link(from, join(directory, 'missing', 'control.sock')) };
    const server = createServer();
    await expect(listenPrivately(server, path, failing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(server.listening).toBe(false);
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe('listenPrivately() and the server it is given', () => {
  it('binds under .break-glass- and 16 hex digits beside the path, a fresh name each time', async () => {
    const directory = privateDirectory();
    const names: string[] = [];
    const recording: PublishSteps = {
      ...FILE_STEPS,
      link: async (from, to) => {
        names.push(from);
        await FILE_STEPS.link(from, to);
      },
    };
    const servers = [createServer(), createServer()];
    try {
      await listenPrivately(servers[0]!, join(directory, 'one.sock'), recording);
      await listenPrivately(servers[1]!, join(directory, 'two.sock'), recording);
      expect(names.map((name) => dirname(name))).toEqual([directory, directory]);
      for (const name of names) expect(name.slice(directory.length + 1)).toMatch(/^\.break-glass-[0-9a-f]{16}$/);
      expect(names[0]).not.toBe(names[1]);
    } finally {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    }
  });

  it('leaves no listener of its own on the server once listening', async () => {
    const server = createServer();
    try {
      await listenPrivately(server, join(privateDirectory(), 'control.sock'));
      expect(server.listenerCount('error')).toBe(0);
      expect(server.listenerCount('listening')).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects with the bind error when the socket cannot be bound, leaving no listener and no file', async () => {
    const directory = privateDirectory();
    const server = createServer();
    // A directory that does not exist: bind(2) itself fails.
    await expect(listenPrivately(server, join(directory, 'missing', 'control.sock'))).rejects.toMatchObject({ syscall: 'listen' });
    expect(server.listening).toBe(false);
    expect(server.listenerCount('error')).toBe(0);
    expect(server.listenerCount('listening')).toBe(0);
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe('removePublished()', () => {
  it('removes the published file while it is still the one published, and nothing else', async () => {
    const directory = privateDirectory();
    const path = join(directory, 'control.sock');
    const server = createServer();
    const published = await listenPrivately(server, path);
    try {
      await removePublished(path, { dev: published.dev, ino: published.ino + 1 });
      expect(existsSync(path)).toBe(true);
      await removePublished(path, { dev: published.dev + 1, ino: published.ino });
      expect(existsSync(path)).toBe(true);
      await removePublished(path, published);
      expect(existsSync(path)).toBe(false);
      // Already gone: nothing to do, and no error.
      await expect(removePublished(path, published)).resolves.toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
