import { decodeToken, encodeToken, startLink, type Token, type TokenStoreHandle } from '../../src';
import { cleanUp, exchange, openTestSocket, rawClient } from './harness';

let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-requests-${(storeCount += 1)}` });
});

afterEach(async () => {
  await cleanUp();
  await store.stop();
});

/** Every common way to write a token's bytes as text. */
function spellings(token: Uint8Array): string[] {
  const bytes = Buffer.from(token);
  return [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
}

async function ask(path: string, request: unknown): Promise<Record<string, unknown>> {
  const [response] = await exchange(path, `${JSON.stringify(request)}\n`);
  return response as Record<string, unknown>;
}

describe('issue', () => {
  it('answers a fresh token that the store accepts, with its fingerprint and the service URL', async () => {
    const control = await openTestSocket(store, { serviceUrl: 'http://127.0.0.1:1/admin' });
    const response = await ask(control.path, { command: 'issue' });
    expect(response).toMatchObject({ ok: true, command: 'issue', url: 'http://127.0.0.1:1/admin' });
    const token = decodeToken(response.token as string);
    expect(store.lookup(token).ok).toBe(true);
    const status = await ask(control.path, { command: 'status' });
    expect(status).toMatchObject({ active: true, fingerprint: response.fingerprint, insertedAt: response.insertedAt });
  });

  it('replaces the token that was active', async () => {
    const before = await store.buildAndStore();
    const control = await openTestSocket(store);
    await ask(control.path, { command: 'issue' });
    expect(store.lookup(before).ok).toBe(false);
  });
});

describe('status', () => {
  it('says no token is active on an empty store', async () => {
    const control = await openTestSocket(store);
    expect(await ask(control.path, { command: 'status' })).toEqual({ ok: true, command: 'status', active: false });
  });

  it('never contains the active token in any common spelling', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    const [line] = (await exchange(control.path, '{"command":"status"}\n')).map((value) => JSON.stringify(value));
    expect(line).toContain('"active":true');
    for (const spelling of spellings(token)) expect(line).not.toContain(spelling);
  });

  it('answers ERR_NOT_RUNNING once the store has stopped, and the socket keeps serving', async () => {
    const control = await openTestSocket(store);
    await store.stop();
    const responses = await exchange(control.path, '{"command":"status"}\n{"command":"issue"}\n');
    expect(responses).toMatchObject([
      { ok: false, command: 'status', error: { code: 'ERR_NOT_RUNNING' } },
      { ok: false, command: 'issue', error: { code: 'ERR_NOT_RUNNING' } },
    ]);
  });
});

describe('revoke', () => {
  it('removes the active token when given it', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    expect(await ask(control.path, { command: 'revoke', token: encodeToken(token) })).toEqual({
      ok: true,
      command: 'revoke',
    });
    expect(store.lookup(token).ok).toBe(false);
  });

  it('refuses a well-formed token that is not the active one and keeps the active one', async () => {
    const token = await store.buildAndStore();
    const other = Buffer.from(token).map((byte) => byte ^ 1);
    const control = await openTestSocket(store);
    const response = await ask(control.path, { command: 'revoke', token: encodeToken(other) });
    expect(response).toMatchObject({ ok: false, command: 'revoke', error: { code: 'ERR_CONTROL_REFUSED' } });
    expect(store.lookup(token).ok).toBe(true);
  });
});

describe('clear', () => {
  it('removes whatever token is active', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    expect(await ask(control.path, { command: 'clear' })).toEqual({ ok: true, command: 'clear' });
    expect(store.lookup(token).ok).toBe(false);
  });
});

describe('malformed requests', () => {
  let token: Token;
  beforeEach(async () => {
    token = await store.buildAndStore();
  });

  it.each([
    ['text that is not JSON', 'hello', 'ERR_CONTROL_MALFORMED'],
    ['a JSON array', '["issue"]', 'ERR_CONTROL_MALFORMED'],
    ['a JSON string', '"issue"', 'ERR_CONTROL_MALFORMED'],
    ['null', 'null', 'ERR_CONTROL_MALFORMED'],
    ['an object without a command', '{"token":"x"}', 'ERR_CONTROL_MALFORMED'],
    ['a command that is not a string', '{"command":1}', 'ERR_CONTROL_MALFORMED'],
    ['a command inherited from Object.prototype', '{"command":"toString"}', 'ERR_CONTROL_UNKNOWN_COMMAND'],
    ['a __proto__ command', '{"command":"__proto__"}', 'ERR_CONTROL_UNKNOWN_COMMAND'],
    ['a command in the wrong case', '{"command":"ISSUE"}', 'ERR_CONTROL_UNKNOWN_COMMAND'],
    ['revoke without a token', '{"command":"revoke"}', 'ERR_CONTROL_MALFORMED'],
    ['revoke with a number for a token', '{"command":"revoke","token":42}', 'ERR_CONTROL_MALFORMED'],
    ['revoke with a short token', '{"command":"revoke","token":"abc"}', 'ERR_TOKEN_MALFORMED'],
    ['revoke with a padded token', `{"command":"revoke","token":"${'A'.repeat(43)}="}`, 'ERR_TOKEN_MALFORMED'],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x0a]), 'ERR_CONTROL_MALFORMED'],
  ])('answers %s with %s and leaves the token in place', async (_label, line, code) => {
    const control = await openTestSocket(store);
    const payload = typeof line === 'string' ? `${line}\n` : line;
    const responses = await exchange(control.path, payload);
    expect(responses).toMatchObject([{ ok: false, error: { code, message: expect.any(String) } }]);
    expect(store.lookup(token).ok).toBe(true);
  });

  it('never echoes a malformed token back', async () => {
    const control = await openTestSocket(store);
    const near = `${encodeToken(token).slice(0, 42)}!`;
    const [response] = await exchange(control.path, `{"command":"revoke","token":"${near}"}\n`);
    expect(JSON.stringify(response)).not.toContain(near.slice(0, 42));
  });

  it('answers an oversized line with ERR_CONTROL_OVERSIZED, ends the connection, and keeps the token', async () => {
    const control = await openTestSocket(store, { maxLineBytes: 64, idleTimeoutMs: 60_000 });
    const client = await rawClient(control.path);
    client.socket.write(`{"command":"status","padding":"${'x'.repeat(100)}"}\n`);
    const text = await client.closed();
    expect(JSON.parse(text)).toMatchObject({ ok: false, error: { code: 'ERR_CONTROL_OVERSIZED' } });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('stops an oversized line before its newline arrives', async () => {
    const control = await openTestSocket(store, { maxLineBytes: 64, idleTimeoutMs: 60_000 });
    const client = await rawClient(control.path);
    client.socket.write('x'.repeat(65));
    expect(await client.lines(1)).toMatchObject([{ error: { code: 'ERR_CONTROL_OVERSIZED' } }]);
    await client.closed();
  });

  it('answers the requests before an oversized line first', async () => {
    const control = await openTestSocket(store, { maxLineBytes: 64 });
    const responses = await exchange(control.path, `{"command":"status"}\n${'y'.repeat(200)}\n{"command":"clear"}\n`);
    expect(responses).toMatchObject([{ ok: true, command: 'status' }, { error: { code: 'ERR_CONTROL_OVERSIZED' } }]);
    expect(store.lookup(token).ok).toBe(true);
  });
});

describe('a connection', () => {
  it('answers pipelined requests in order on one connection', async () => {
    const control = await openTestSocket(store);
    const responses = await exchange(
      control.path,
      '{"command":"issue"}\n{"command":"status"}\n\n{"command":"clear"}\r\n{"command":"status"}',
    );
    expect(responses).toMatchObject([
      { ok: true, command: 'issue' },
      { ok: true, command: 'status', active: true },
      { ok: true, command: 'clear' },
      { ok: true, command: 'status', active: false },
    ]);
  });

  it('is dropped when the client says nothing for the idle timeout', async () => {
    const control = await openTestSocket(store, { idleTimeoutMs: 50 });
    const client = await rawClient(control.path);
    await expect(client.closed()).resolves.toBe('');
  });

  it('is dropped when the client stops halfway through a line', async () => {
    const control = await openTestSocket(store, { idleTimeoutMs: 50 });
    const client = await rawClient(control.path);
    client.socket.write('{"command":');
    await expect(client.closed()).resolves.toBe('');
  });

  it('may vanish mid-request without harming the service', async () => {
    const control = await openTestSocket(store);
    const client = await rawClient(control.path);
    client.socket.write('{"command":"issue"}\n');
    client.socket.destroy();
    await client.closed();
    expect(await ask(control.path, { command: 'status' })).toMatchObject({ ok: true, active: true });
  });
});

describe('100 concurrent clients', () => {
  it('all get answers, and exactly one issued token is active afterwards', async () => {
    const control = await openTestSocket(store);
    const requests = Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? 'issue' : 'status'));
    const responses = await Promise.all(requests.map((command) => ask(control.path, { command })));
    expect(responses.every((response) => response.ok === true)).toBe(true);
    const issued = responses.filter((response) => response.command === 'issue').map((response) => response.token as string);
    expect(new Set(issued).size).toBe(50);
    const active = issued.filter((text) => store.lookup(decodeToken(text)).ok);
    expect(active).toHaveLength(1);
  });
});
