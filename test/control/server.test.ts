import { existsSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { openControlSocket, startLink, type AuditEvent, type TokenStoreHandle } from '../../src';
import { cleanUp, exchange, openTestSocket, privateDirectory, rawClient, type RawClient } from './harness';

// openControlSocket's own settings: their defaults and checks, how many clients it serves
// at once, the exact audit event of a request, and closing.

let store: TokenStoreHandle;
let events: AuditEvent[];
let storeCount = 0;

beforeEach(() => {
  events = [];
  store = startLink({ name: `control-server-${(storeCount += 1)}`, onAudit: (event) => void events.push(event) });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanUp();
  await store.stop();
});

describe('options', () => {
  it.each([
    ['idleTimeoutMs', Number.POSITIVE_INFINITY],
    ['maxLineBytes', 0],
    ['maxConnections', -5],
    ['idleTimeoutMs', Number.NaN],
  ])('refuses options.%s = %p with a RangeError naming it, before creating anything', async (name, value) => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(openControlSocket(store, { path, [name]: value })).rejects.toThrow(new RangeError(`options.${name} must be a positive number`));
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a serviceUrl that is not a string with a TypeError', async () => {
    const path = join(privateDirectory(), 'control.sock');
    await expect(openControlSocket(store, { path, serviceUrl: 42 as unknown as string })).rejects.toThrow(
      new TypeError('options.serviceUrl must be a string'),
    );
    expect(existsSync(path)).toBe(false);
  });

  it('accepts the smallest positive values', async () => {
    const control = await openTestSocket(store, { maxLineBytes: 1, maxConnections: 1, idleTimeoutMs: 60_000 });
    expect(await exchange(control.path, '7\n')).toMatchObject([{ ok: false, error: { code: 'ERR_CONTROL_MALFORMED' } }]);
  });

  it('accepts request lines of up to 4096 bytes by default, and says so to a longer one', async () => {
    const control = await openTestSocket(store);
    const request = (length: number) => {
      const prefix = '{"command":"status","padding":"';
      return `${prefix}${'p'.repeat(length - prefix.length - 2)}"}`;
    };
    expect(await exchange(control.path, `${request(4096)}\n`)).toEqual([{ ok: true, command: 'status', active: false }]);
    expect(await exchange(control.path, `${request(4097)}\n`)).toEqual([
      { ok: false, command: null, error: { code: 'ERR_CONTROL_OVERSIZED', message: 'a request line may be at most 4096 bytes' } },
    ]);
  });

  it('hands each issued token the service URL it was given', async () => {
    const control = await openTestSocket(store, { serviceUrl: 'http://127.0.0.1:9/admin' });
    expect(await exchange(control.path, '{"command":"issue"}\n')).toMatchObject([{ ok: true, url: 'http://127.0.0.1:9/admin' }]);
  });
});

describe('connections served at once', () => {
  async function connectAll(path: string, count: number): Promise<RawClient[]> {
    return Promise.all(Array.from({ length: count }, () => rawClient(path)));
  }

  it('closes a connection beyond maxConnections on arrival, and serves the others', async () => {
    const control = await openTestSocket(store, { maxConnections: 2, idleTimeoutMs: 60_000 });
    const held = await connectAll(control.path, 2);
    const extra = await rawClient(control.path);
    await expect(extra.closed()).resolves.toBe('');
    held[0]!.socket.end('{"command":"status"}\n');
    await expect(held[0]!.closed()).resolves.toBe(`${JSON.stringify({ ok: true, command: 'status', active: false })}\n`);
    for (const client of held) client.socket.destroy();
  });

  it('serves 128 at once by default, and not 129', async () => {
    const control = await openTestSocket(store, { idleTimeoutMs: 60_000 });
    const held = await connectAll(control.path, 128);
    const extra = await rawClient(control.path);
    await expect(extra.closed()).resolves.toBe('');
    const last = held.at(-1)!;
    last.socket.end('{"command":"status"}\n');
    await expect(last.closed()).resolves.toContain('"ok":true');
    for (const client of held) client.socket.destroy();
  });
});

describe('the control.request audit event', () => {
  it('is exactly the type, the time of the given clock, the command and the outcome', async () => {
    const control = await openTestSocket(store, { now: () => 1234 });
    await exchange(control.path, '{"command":"status"}\n{"command":"nope"}\n');
    expect(events.filter((event) => event.type === 'control.request')).toStrictEqual([
      { type: 'control.request', at: new Date(1234), command: 'status', outcome: 'ok' },
      { type: 'control.request', at: new Date(1234), command: null, outcome: 'ERR_CONTROL_UNKNOWN_COMMAND' },
    ]);
  });

  it('is reported for an oversized line too, with no command', async () => {
    const control = await openTestSocket(store, { maxLineBytes: 8, now: () => 99 });
    await exchange(control.path, '{"command":"status"}\n');
    expect(events.filter((event) => event.type === 'control.request')).toStrictEqual([
      { type: 'control.request', at: new Date(99), command: null, outcome: 'ERR_CONTROL_OVERSIZED' },
    ]);
  });

  it('takes its time from Date.now by default', async () => {
    const control = await openTestSocket(store);
    const before = Date.now();
    await exchange(control.path, '{"command":"status"}\n');
    const after = Date.now();
    const [event] = events.filter((seen) => seen.type === 'control.request');
    expect(event!.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(event!.at.getTime()).toBeLessThanOrEqual(after);
  });
});

describe('a failure of the listening socket after start-up', () => {
  it('is a process warning, and the socket goes on serving', async () => {
    // The module object itself, as the library reads it, not a namespace copy.
    const net = require('node:net') as typeof import('node:net');
    const create = net.createServer;
    let server: Server | undefined;
    jest.spyOn(net, 'createServer').mockImplementation(((...args: Parameters<typeof create>) => {
      server = create(...args);
      return server;
    }) as typeof create);
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const control = await openTestSocket(store);
    // What a failing accept(2) (out of file descriptors, say) emits on the server.
    server!.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(warning.mock.calls).toEqual([['the break-glass control socket failed to accept a client']]);
    expect(await exchange(control.path, '{"command":"status"}\n')).toEqual([{ ok: true, command: 'status', active: false }]);
  });
});

describe('close()', () => {
  it('answers the same promise to every call, and all of them see the socket gone', async () => {
    const control = await openTestSocket(store);
    const first = control.close();
    const second = control.close();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(existsSync(control.path)).toBe(false);
  });

  it('answers the absolute path it listens on', async () => {
    const path = join(privateDirectory(), 'control.sock');
    const control = await openControlSocket(store, { path: join(path, '..', 'control.sock') });
    try {
      expect(control.path).toBe(path);
    } finally {
      await control.close();
    }
  });
});
