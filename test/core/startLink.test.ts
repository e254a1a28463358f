import {
  AlreadyStartedError,
  BreakGlassError,
  DEFAULT_NAME,
  TokenStore,
  TokenStoreHandle,
  childSpec,
  tokenStoreLogic,
  tokenStoreMachine,
  whereis,
} from '../../src';
import { createActor } from 'xstate';
import { startStore, stopAllStores } from '../support/stores';

afterEach(async () => {
  await stopAllStores();
  await TokenStore.stop();
});

describe('startLink()', () => {
  it("registers the store under 'BreakGlass.TokenStore' by default", () => {
    const store = startStore();
    expect(store.name).toBe('BreakGlass.TokenStore');
    expect(whereis(DEFAULT_NAME)).toBe(store);
  });

  it('fails with ERR_ALREADY_STARTED naming the running store when the name is taken', () => {
    const running = startStore({ name: 'tokens' });
    let failure: unknown;
    try {
      startStore({ name: 'tokens' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AlreadyStartedError);
    expect(failure).toBeInstanceOf(BreakGlassError);
    expect(failure).toMatchObject({ code: 'ERR_ALREADY_STARTED', storeName: 'tokens', running });
    expect(whereis('tokens')).toBe(running);
  });

  it('runs stores under different names side by side, each with its own token', async () => {
    const a = startStore({ name: 'a' });
    const b = startStore({ name: 'b' });
    const tokenA = await a.buildAndStore();
    const tokenB = await b.buildAndStore();
    expect(a.lookup(tokenA).ok).toBe(true);
    expect(a.lookup(tokenB).ok).toBe(false);
    expect(b.lookup(tokenB).ok).toBe(true);
  });

  it('frees the name on stop, so a new store can start under it with no token', async () => {
    const first = startStore({ name: 'again' });
    const token = await first.buildAndStore();
    await first.stop();
    expect(whereis('again')).toBeUndefined();
    const second = startStore({ name: 'again' });
    expect(second.lookup(token)).toEqual({ ok: false });
  });

  it('frees the name when a standalone store crashes', async () => {
    const store = startStore({
      name: 'fragile',
      randomBytes: () => {
        throw new Error('no entropy');
      },
    });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(whereis('fragile')).toBeUndefined();
  });

  it.each([
    [{ ttlMs: -1 }, RangeError],
    [{ ttlMs: 1.5 }, RangeError],
    [{ ttlMs: 2 ** 31 }, RangeError],
    [{ callTimeoutMs: 0 }, RangeError],
    [{ name: '' }, TypeError],
    [{ randomBytes: 'not a function' }, TypeError],
  ])('throws for the bad option %p and leaves the name free', (options, type) => {
    expect(() => startStore(options as never)).toThrow(type);
    expect(whereis(DEFAULT_NAME)).toBeUndefined();
  });
});

describe('TokenStore (module-level functions)', () => {
  it('act on the store registered under the default name', async () => {
    TokenStore.startLink();
    const token = await TokenStore.buildAndStore();
    expect(TokenStore.lookup(token).ok).toBe(true);
    await expect(TokenStore.delete(token)).resolves.toEqual({ ok: true });
    expect(TokenStore.lookup(token).ok).toBe(false);
    await expect(TokenStore.clear()).resolves.toEqual({ ok: true });
  });

  it('answer lookup with error, and reject calls with ERR_NOT_RUNNING, when no store runs', async () => {
    expect(TokenStore.lookup(Buffer.alloc(32))).toEqual({ ok: false });
    await expect(TokenStore.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(TokenStore.delete(Buffer.alloc(32))).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(TokenStore.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });
});

describe('childSpec()', () => {
  it('describes a permanent worker named after the store, whose start starts it', async () => {
    const spec = childSpec({ name: 'spec-store' });
    expect(spec).toMatchObject({ id: 'spec-store', restart: 'permanent', type: 'worker' });
    const started = spec.start() as TokenStoreHandle;
    expect(whereis('spec-store')).toBe(started);
    await started.stop();
  });

  it("uses the default name as id when none is given", () => {
    expect(childSpec().id).toBe('BreakGlass.TokenStore');
  });

  it('rejects options a store could never start with, as startLink does, before any supervisor uses it', () => {
    expect(() => childSpec({ ttlMs: -1 })).toThrow(RangeError);
    expect(() => childSpec({ callTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => childSpec({ randomBytes: 'dice' as never })).toThrow(TypeError);
    expect(() => childSpec({ name: '' })).toThrow(TypeError);
  });
});

describe('tokenStoreLogic', () => {
  it('is the plain machine: no door, so tokenStoreMachine is another object', () => {
    expect(tokenStoreLogic).not.toBe(tokenStoreMachine);
    const plain = createActor(tokenStoreLogic).start();
    plain.send({ type: 'xstate.stop' } as never);
    expect(plain.getSnapshot().status).toBe('stopped');
  });
});
