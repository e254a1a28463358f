import { TOKEN_LENGTH } from '../../src';
import { countingRandomSource, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

describe('buildAndStore()', () => {
  it('answers 32 bytes from the random source and stores them', async () => {
    const store = startStore({ randomBytes: countingRandomSource(9) });
    const token = await store.buildAndStore();
    expect(token).toEqual(Buffer.alloc(TOKEN_LENGTH, 9));
    expect(store.lookup(Buffer.alloc(TOKEN_LENGTH, 9)).ok).toBe(true);
  });

  it('draws from the platform CSPRNG by default: two tokens differ', async () => {
    const store = startStore();
    const first = await store.buildAndStore();
    const second = await store.buildAndStore();
    expect(first).toHaveLength(TOKEN_LENGTH);
    expect(first.equals(second)).toBe(false);
  });

  it('replaces the previous token: the old one no longer looks up', async () => {
    const store = startStore();
    const old = await store.buildAndStore();
    const fresh = await store.buildAndStore();
    expect(store.lookup(old)).toEqual({ ok: false });
    expect(store.lookup(fresh).ok).toBe(true);
  });

  it('stamps the token with the store clock, in UTC', async () => {
    let now = Date.UTC(2030, 5, 1);
    const store = startStore({ now: () => now });
    const first = await store.buildAndStore();
    now += 60_000;
    const second = await store.buildAndStore();
    expect(store.lookup(first)).toEqual({ ok: false });
    expect(store.lookup(second)).toEqual({ ok: true, insertedAt: new Date('2030-06-01T00:01:00.000Z') });
  });

  it("gives each caller its own Buffer, outside Node's shared pool", async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    expect(token.byteOffset).toBe(0);
    expect(token.buffer.byteLength).toBe(TOKEN_LENGTH);
  });

  it('crashes the store rather than store a short token from a broken random source', async () => {
    const store = startStore({ randomBytes: () => Buffer.alloc(16, 1) });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(store.lookup(Buffer.alloc(32, 1))).toEqual({ ok: false });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100', 2 ** 31])(
    'rejects a per-call timeoutMs of %p with a RangeError and sends nothing',
    async (timeoutMs) => {
      const store = startStore();
      const error: unknown = await store.buildAndStore({ timeoutMs: timeoutMs as number }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe('options.timeoutMs must be a number of milliseconds from 1 to 2147483647');
      expect(store.actorRef!.getSnapshot().context.generation).toBe(0);
    },
  );

  it('accepts a per-call timeoutMs of 1 and of 2147483647, the longest a Node timer waits', async () => {
    const store = startStore({ randomBytes: countingRandomSource(1) });
    await expect(store.buildAndStore({ timeoutMs: 1 })).resolves.toEqual(Buffer.alloc(TOKEN_LENGTH, 1));
    await expect(store.buildAndStore({ timeoutMs: 2 ** 31 - 1 })).resolves.toEqual(Buffer.alloc(TOKEN_LENGTH, 2));
    await expect(store.clear({ timeoutMs: 2 ** 31 - 1 })).resolves.toEqual({ ok: true });
  });

  it('rejects with ERR_NOT_RUNNING once the store is stopped', async () => {
    const store = startStore();
    await store.stop();
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });
});

describe('clear()', () => {
  it('removes the active token', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    await expect(store.clear()).resolves.toEqual({ ok: true });
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  it('answers ok on an empty store', async () => {
    const store = startStore();
    await expect(store.clear()).resolves.toEqual({ ok: true });
    await expect(store.clear()).resolves.toEqual({ ok: true });
  });

  it('lets a new token be built afterwards', async () => {
    const store = startStore();
    await store.buildAndStore();
    await store.clear();
    const token = await store.buildAndStore();
    expect(store.lookup(token).ok).toBe(true);
  });
});
