import { decodeToken, encodeToken, type Token, type TokenStoreHandle, type TokenStoreOptions } from '../../src';
import { runControlCommand } from '../../src/control/commands';
import { fingerprintOf } from '../../src/lib/sealedToken';
import type { TokenStoreActorRef } from '../../src/storeBinding';
import { startStore, stopAllStores } from '../support/stores';

// The commands against a real store, without a socket: the exact response of each,
// the store's own failures passed through by code, and nothing else let out.

const NOW = Date.parse('2030-05-06T07:08:09.010Z');
const settings = { serviceUrl: undefined };

afterEach(async () => {
  jest.restoreAllMocks();
  await stopAllStores();
});

describe('issue', () => {
  it('answers the token the store now holds, its fingerprint and the time the store recorded, and no url unless set', async () => {
    const store = startStore({ name: 'commands-issue', now: () => NOW });
    const response = await runControlCommand({ command: 'issue' }, store, settings);
    expect(Object.keys(response).sort()).toEqual(['command', 'fingerprint', 'insertedAt', 'ok', 'token']);
    const { token } = response as { token: string };
    const bytes = decodeToken(token);
    expect(store.lookup(bytes)).toEqual({ ok: true, insertedAt: new Date(NOW) });
    expect(response).toStrictEqual({
      ok: true,
      command: 'issue',
      token,
      fingerprint: fingerprintOf(bytes),
      insertedAt: '2030-05-06T07:08:09.010Z',
    });
  });

  it('adds the service URL when one was given', async () => {
    const store = startStore({ name: 'commands-issue-url', now: () => NOW });
    const response = await runControlCommand({ command: 'issue' }, store, { serviceUrl: 'http://127.0.0.1:1/admin' });
    expect(response).toMatchObject({ ok: true, command: 'issue', url: 'http://127.0.0.1:1/admin', insertedAt: '2030-05-06T07:08:09.010Z' });
  });

  it('zero-fills the Buffer the store handed it once the token is written out', async () => {
    const store = startStore({ name: 'commands-issue-wipe' });
    const build = store.buildAndStore.bind(store);
    const handed: Token[] = [];
    jest.spyOn(store, 'buildAndStore').mockImplementation(async (options) => {
      const bytes = await build(options);
      handed.push(bytes);
      return bytes;
    });
    const response = (await runControlCommand({ command: 'issue' }, store, settings)) as { token: string };
    expect(handed).toHaveLength(1);
    expect([...handed[0]!].every((byte) => byte === 0)).toBe(true);
    expect(store.lookup(decodeToken(response.token)).ok).toBe(true);
  });

  it("gives its own time, not the newer token's, when a build raced in right behind it", async () => {
    // The store's clock is far from the wall clock, so the two times cannot be mistaken for each other.
    const store = startStore({ name: 'commands-issue-race', now: () => NOW });
    const build = store.buildAndStore.bind(store);
    jest.spyOn(store, 'buildAndStore').mockImplementation(async (options) => {
      const bytes = await build(options);
      (await build(options)).fill(0);
      return bytes;
    });
    const before = Date.now();
    const response = (await runControlCommand({ command: 'issue' }, store, settings)) as { token: string; insertedAt: string };
    const after = Date.now();
    const insertedAt = Date.parse(response.insertedAt);
    expect(insertedAt).toBeGreaterThanOrEqual(before);
    expect(insertedAt).toBeLessThanOrEqual(after);
    expect(store.lookup(decodeToken(response.token)).ok).toBe(false);
  });

  it.each([
    ['the token was cleared', (store: TokenStoreHandle) => store.clear()],
    ['the store stopped', (store: TokenStoreHandle) => store.stop()],
  ])('gives its own time when %s right behind it, as for any change after the build', async (_change, change) => {
    const store = startStore({ name: 'commands-issue-changed', now: () => NOW });
    const build = store.buildAndStore.bind(store);
    jest.spyOn(store, 'buildAndStore').mockImplementation(async (options) => {
      const bytes = await build(options);
      await change(store);
      return bytes;
    });
    const before = Date.now();
    const response = (await runControlCommand({ command: 'issue' }, store, settings)) as { ok: boolean; insertedAt: string };
    expect(response).toMatchObject({ ok: true, command: 'issue' });
    expect(Date.parse(response.insertedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(response.insertedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("answers the store's own failure by its code and message when the store is not running", async () => {
    const store = startStore({ name: 'commands-issue-down' });
    await store.stop();
    expect(await runControlCommand({ command: 'issue' }, store, settings)).toStrictEqual({
      ok: false,
      command: 'issue',
      error: { code: 'ERR_NOT_RUNNING', message: "no token store named 'commands-issue-down' is running" },
    });
  });
});

describe('status', () => {
  it('answers inactive on an empty store, and the fingerprint and time of an active token', async () => {
    const store = startStore({ name: 'commands-status', now: () => NOW });
    expect(await runControlCommand({ command: 'status' }, store, settings)).toStrictEqual({ ok: true, command: 'status', active: false });
    const token = await store.buildAndStore();
    expect(await runControlCommand({ command: 'status' }, store, settings)).toStrictEqual({
      ok: true,
      command: 'status',
      active: true,
      fingerprint: fingerprintOf(token),
      insertedAt: '2030-05-06T07:08:09.010Z',
    });
  });

  it('answers ERR_NOT_RUNNING for a stopped store', async () => {
    const store = startStore({ name: 'commands-status-down' });
    await store.stop();
    expect(await runControlCommand({ command: 'status' }, store, settings)).toStrictEqual({
      ok: false,
      command: 'status',
      error: { code: 'ERR_NOT_RUNNING', message: "no token store named 'commands-status-down' is running" },
    });
  });

  it('answers ERR_NOT_RUNNING from an actor that has stopped but is still bound to the handle', async () => {
    // An observer subscribed from the actor's creation hears of the stop before the facade unbinds it.
    let store: TokenStoreHandle | undefined;
    let subscribed = false;
    let answered: Promise<unknown> | undefined;
    let boundWhenAsked: boolean | undefined;
    const options: TokenStoreOptions = {
      name: 'commands-status-stopping',
      unsafeRawInspection: true,
      inspect: (event) => {
        if (event.type !== '@xstate.actor' || subscribed) return;
        subscribed = true;
        const actor = event.actorRef as TokenStoreActorRef;
        actor.subscribe({
          complete: () => {
            boundWhenAsked = store!.actorRef === actor;
            answered = runControlCommand({ command: 'status' }, store!, settings);
          },
        });
      },
    };
    store = startStore(options);
    await store.buildAndStore();
    await store.stop();
    expect(boundWhenAsked).toBe(true);
    expect(await answered).toStrictEqual({
      ok: false,
      command: 'status',
      error: { code: 'ERR_NOT_RUNNING', message: "no token store named 'commands-status-stopping' is running" },
    });
  });
});

describe('revoke', () => {
  it('removes the active token when given it', async () => {
    const store = startStore({ name: 'commands-revoke' });
    const token = await store.buildAndStore();
    expect(await runControlCommand({ command: 'revoke', token: encodeToken(token) }, store, settings)).toStrictEqual({
      ok: true,
      command: 'revoke',
    });
    expect(store.lookup(token).ok).toBe(false);
  });

  it('refuses another well-formed token with ERR_CONTROL_REFUSED and keeps the active one', async () => {
    const store = startStore({ name: 'commands-revoke-other' });
    const token = await store.buildAndStore();
    const other = encodeToken(Buffer.from(token).map((byte) => byte ^ 0x80));
    expect(await runControlCommand({ command: 'revoke', token: other }, store, settings)).toStrictEqual({
      ok: false,
      command: 'revoke',
      error: { code: 'ERR_CONTROL_REFUSED', message: 'that token is not the active one; nothing was revoked' },
    });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('refuses malformed token text with ERR_TOKEN_MALFORMED, without quoting it', async () => {
    const store = startStore({ name: 'commands-revoke-malformed' });
    expect(await runControlCommand({ command: 'revoke', token: 'not-a-token' }, store, settings)).toStrictEqual({
      ok: false,
      command: 'revoke',
      error: { code: 'ERR_TOKEN_MALFORMED', message: 'malformed token: expected 43 characters of base64url' },
    });
  });

  it('zero-fills the decoded candidate once the store has judged it', async () => {
    const store = startStore({ name: 'commands-revoke-wipe' });
    const token = await store.buildAndStore();
    const remove = store.delete.bind(store);
    const candidates: Uint8Array[] = [];
    jest.spyOn(store, 'delete').mockImplementation(async (candidate, options) => {
      candidates.push(candidate);
      return remove(candidate, options);
    });
    await runControlCommand({ command: 'revoke', token: encodeToken(token) }, store, settings);
    expect(candidates).toHaveLength(1);
    expect([...candidates[0]!].every((byte) => byte === 0)).toBe(true);
  });
});

describe('clear', () => {
  it('removes whatever token is active', async () => {
    const store = startStore({ name: 'commands-clear' });
    const token = await store.buildAndStore();
    expect(await runControlCommand({ command: 'clear' }, store, settings)).toStrictEqual({ ok: true, command: 'clear' });
    expect(store.lookup(token).ok).toBe(false);
  });
});

describe('a failure that is not the library\'s own', () => {
  it('answers ERR_CONTROL_INTERNAL with a fixed message, never the error\'s own', async () => {
    const store = startStore({ name: 'commands-internal' });
    jest.spyOn(store, 'clear').mockRejectedValue(new Error(`disk on fire near ${'A'.repeat(43)}`));
    expect(await runControlCommand({ command: 'clear' }, store, settings)).toStrictEqual({
      ok: false,
      command: 'clear',
      error: { code: 'ERR_CONTROL_INTERNAL', message: 'the service failed to carry out the request' },
    });
  });
});
