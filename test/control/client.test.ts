import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { ControlProtocolError, ControlTimeoutError, ControlUnreachableError, encodeToken, sendControlRequest } from '../../src';
import * as tokenModule from '../../src/token';
import { cleanUp, fakeService, staleSocket } from './harness';

// sendControlRequest against sockets the test controls: what it sends, what it resolves
// with (the checked fields and nothing else), how it tells the ways of failing apart,
// and that it leaves neither a connection nor a timer behind.

afterEach(async () => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  await cleanUp();
});

const TOKEN = encodeToken(Buffer.alloc(32, 3));
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

describe('what sendControlRequest() sends and resolves with', () => {
  it('sends the request as one line of JSON and resolves with only the checked fields of the answer', async () => {
    const issued = { ok: true, command: 'issue', token: TOKEN, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };
    const fake = await fakeService(() => line({ ...issued, extra: 'dropped' }));
    expect(await sendControlRequest(fake.path, { command: 'issue' })).toStrictEqual(issued);
    expect(await fake.firstRequest).toBe('{"command":"issue"}');
  });

  it('keeps the url of an issue answer when there is one', async () => {
    const issued = { ok: true, command: 'issue', token: TOKEN, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };
    const fake = await fakeService(() => line({ ...issued, url: 'http://h/admin' }));
    expect(await sendControlRequest(fake.path, { command: 'issue' })).toStrictEqual({ ...issued, url: 'http://h/admin' });
  });

  it('sends a revoke with its token, and resolves a bare success', async () => {
    const fake = await fakeService(() => line({ ok: true, command: 'revoke', token: TOKEN }));
    expect(await sendControlRequest(fake.path, { command: 'revoke', token: TOKEN })).toStrictEqual({ ok: true, command: 'revoke' });
    expect(await fake.firstRequest).toBe(`{"command":"revoke","token":"${TOKEN}"}`);
  });

  it('resolves an inactive status with no other field', async () => {
    const fake = await fakeService(() => line({ ok: true, command: 'status', active: false, fingerprint: '0123456789abcdef' }));
    expect(await sendControlRequest(fake.path, { command: 'status' })).toStrictEqual({ ok: true, command: 'status', active: false });
  });

  it('resolves a failure as a response, for this command or for none', async () => {
    const named = await fakeService(() => line({ ok: false, command: 'clear', error: { code: 'ERR_NOT_RUNNING', message: 'down', extra: 1 }, more: 2 }));
    expect(await sendControlRequest(named.path, { command: 'clear' })).toStrictEqual({
      ok: false,
      command: 'clear',
      error: { code: 'ERR_NOT_RUNNING', message: 'down' },
    });
    const unnamed = await fakeService(() => line({ ok: false, command: null, error: { code: 'ERR_CONTROL_MALFORMED', message: 'bad' } }));
    expect(await sendControlRequest(unnamed.path, { command: 'clear' })).toStrictEqual({
      ok: false,
      command: null,
      error: { code: 'ERR_CONTROL_MALFORMED', message: 'bad' },
    });
  });

  it('reads only the first line of the answer', async () => {
    const fake = await fakeService(() => `${line({ ok: true, command: 'clear' })}not json\n`);
    expect(await sendControlRequest(fake.path, { command: 'clear' })).toStrictEqual({ ok: true, command: 'clear' });
  });

  it('zero-fills the bytes it decodes to check the token of an issue answer', async () => {
    const decoded: Uint8Array[] = [];
    const original = tokenModule.tryDecodeToken;
    jest.spyOn(tokenModule, 'tryDecodeToken').mockImplementation((text) => {
      const bytes = original(text);
      if (bytes !== undefined) decoded.push(bytes);
      return bytes;
    });
    const issued = { ok: true, command: 'issue', token: TOKEN, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };
    const fake = await fakeService(() => line(issued));
    expect(await sendControlRequest(fake.path, { command: 'issue' })).toMatchObject({ token: TOKEN });
    expect(decoded).toHaveLength(1);
    expect([...decoded[0]!].every((byte) => byte === 0)).toBe(true);
  });
});

describe('what sendControlRequest() leaves behind', () => {
  it('closes the connection once it has the answer, though the service keeps it open', async () => {
    const fake = await fakeService(() => line({ ok: true, command: 'clear' }));
    await sendControlRequest(fake.path, { command: 'clear' });
    await expect(fake.clientClosed).resolves.toBeUndefined();
  });

  it('leaves no timer running once answered or refused', async () => {
    // Only the timers the client itself sets are faked here; sockets run as ever.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const fake = await fakeService(() => line({ ok: true, command: 'clear' }));
    const answered = sendControlRequest(fake.path, { command: 'clear' }, { timeoutMs: 60_000 });
    await fake.firstRequest;
    expect(jest.getTimerCount()).toBe(1);
    await answered;
    expect(jest.getTimerCount()).toBe(0);
    const bad = await fakeService(() => 'nonsense\n');
    await expect(sendControlRequest(bad.path, { command: 'clear' }, { timeoutMs: 60_000 })).rejects.toBeInstanceOf(ControlProtocolError);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('answers whose fields only look right', () => {
  const issued = { ok: true, command: 'issue', token: TOKEN, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };

  it.each([
    ['a fingerprint in an array', 'issue', { ...issued, fingerprint: ['0123456789abcdef'] }, 'the answer to issue has no valid fingerprint'],
    ['a time in an array', 'issue', { ...issued, insertedAt: ['2026-01-01T00:00:00.000Z'] }, 'the answer to issue has no valid insertedAt time'],
    ['an error code in an array', 'clear', { ok: false, command: 'clear', error: { code: ['ERR_NOT_RUNNING'], message: 'down' } }, 'the failure has no valid error code'],
  ])('refuses %s', async (_label, command, answer, problem) => {
    const fake = await fakeService(() => line(answer));
    await expect(sendControlRequest(fake.path, { command } as never)).rejects.toThrow(
      new ControlProtocolError(fake.path, problem),
    );
  });
});

describe('connection errors it is handed', () => {
  // The module object itself, as the library reads it.
  const net = require('node:net') as typeof import('node:net');

  /** Hands the client, for `path`, a socket that fails with `code`, before connecting or once connected. */
  function connectionFails(path: string, code: string, when: 'before' | 'after'): void {
    const original = net.connect;
    jest.spyOn(net, 'connect').mockImplementation(((...args: unknown[]) => {
      const fail = (socket: Socket) => socket.destroy(Object.assign(new Error(`staged ${code}`), { code }));
      if (when === 'before') {
        const socket = new Socket();
        process.nextTick(() => fail(socket));
        return socket;
      }
      const socket = (original as (...rest: unknown[]) => Socket)(...args);
      socket.once('connect', () => process.nextTick(() => fail(socket)));
      return socket;
    }) as never);
  }

  it('answers closed for an error before connecting that it has no name for', async () => {
    const fake = await fakeService(() => undefined);
    connectionFails(fake.path, 'EAGAIN', 'before');
    const error: unknown = await sendControlRequest(fake.path, { command: 'status' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlUnreachableError);
    expect(error).toMatchObject({ reason: 'closed', message: `no break-glass service answers at ${fake.path} (closed)` });
  });

  it.each([
    ['EACCES', 'permission_denied'],
    ['EPERM', 'permission_denied'],
    ['ENOTSOCK', 'not_listening'],
    ['ENOTDIR', 'no_socket'],
  ])('answers %s before connecting as %s', async (code, reason) => {
    const fake = await fakeService(() => undefined);
    connectionFails(fake.path, code, 'before');
    await expect(sendControlRequest(fake.path, { command: 'status' })).rejects.toMatchObject({ code: 'ERR_CONTROL_UNREACHABLE', reason });
  });

  it('answers a protocol error, not "no service", for an error once connected', async () => {
    const fake = await fakeService(() => undefined);
    connectionFails(fake.path, 'ECONNRESET', 'after');
    const error: unknown = await sendControlRequest(fake.path, { command: 'status' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlProtocolError);
    expect((error as Error).message).toBe(`the service at ${fake.path} did not answer with a control response (the connection closed without an answer)`);
  });
});

describe('how sendControlRequest() fails', () => {
  it('names the absolute path of a relative one', async () => {
    const relative = join('no-such-directory-here', 'control.sock');
    await expect(sendControlRequest(relative, { command: 'status' })).rejects.toMatchObject({
      code: 'ERR_CONTROL_UNREACHABLE',
      socketPath: resolve(relative),
      message: `no break-glass service answers at ${resolve(relative)} (no socket)`,
    });
  });

  it('answers not_listening for a socket file nothing listens on any more', async () => {
    const stale = await staleSocket();
    const error: unknown = await sendControlRequest(stale, { command: 'status' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlUnreachableError);
    expect(error).toMatchObject({
      code: 'ERR_CONTROL_UNREACHABLE',
      reason: 'not_listening',
      message: `no break-glass service answers at ${stale} (not listening)`,
    });
  });

  it('refuses an answer longer than 64 KiB without a newline, while the service still holds the connection', async () => {
    const fake = await fakeService(() => 'x'.repeat(200_000));
    const error: unknown = await sendControlRequest(fake.path, { command: 'status' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlProtocolError);
    expect((error as Error).message).toBe(`the service at ${fake.path} did not answer with a control response (the answer is too long)`);
  });

  it('reads an answer of exactly 64 KiB before its newline', async () => {
    const prefix = '{"ok":true,"command":"clear","padding":"';
    const padded = `${prefix}${'p'.repeat(64 * 1024 - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(padded)).toBe(64 * 1024);
    const fake = await fakeService(() => `${padded}\n`);
    await expect(sendControlRequest(fake.path, { command: 'clear' })).resolves.toStrictEqual({ ok: true, command: 'clear' });
  });

  it('times out after exactly timeoutMs, 10 000 by default, once the request was sent', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const fake = await fakeService(() => undefined);
    let settled = false;
    const answered = sendControlRequest(fake.path, { command: 'status' }).finally(() => (settled = true));
    answered.catch(() => undefined);
    await fake.firstRequest;
    jest.advanceTimersByTime(9_999);
    await new Promise((done) => setImmediate(done));
    expect(settled).toBe(false);
    jest.advanceTimersByTime(1);
    const error: unknown = await answered.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_TIMEOUT', operation: 'status', timeoutMs: 10_000, sent: true });
  });
});
