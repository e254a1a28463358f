import { countingRandomSource, eventRecorder, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

describe('delete()', () => {
  it('removes the token it is given and answers ok', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    await expect(store.delete(token)).resolves.toEqual({ ok: true });
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  it('answers error for a token that does not match, and keeps the stored one', async () => {
    const store = startStore({ randomBytes: countingRandomSource(5) });
    const token = await store.buildAndStore();
    await expect(store.delete(Buffer.alloc(32, 6))).resolves.toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('answers error when no token is stored', async () => {
    const store = startStore();
    await expect(store.delete(Buffer.alloc(32))).resolves.toEqual({ ok: false });
  });

  it('answers error for a second delete of the same token', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    await store.delete(token);
    await expect(store.delete(token)).resolves.toEqual({ ok: false });
  });

  it.each([
    ['a 31-byte Buffer', () => Buffer.alloc(31)],
    ['undefined', () => undefined],
    ['a string', () => 'token'],
    ['a DataView', () => new DataView(new ArrayBuffer(32))],
  ])('answers error for %s without throwing, and the stored token stays valid', async (_label, makeInput) => {
    const store = startStore();
    const token = await store.buildAndStore();
    await expect(store.delete(makeInput() as Uint8Array)).resolves.toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('sends no event when the pre-check against the snapshot fails', async () => {
    const recorder = eventRecorder();
    const store = startStore({ inspect: recorder.inspect });
    await store.buildAndStore();
    const before = recorder.eventTypes();
    await store.delete(Buffer.alloc(32));
    await store.delete(Buffer.alloc(31));
    expect(recorder.eventTypes()).toEqual(before);
  });

  it('sends one DELETE event when the pre-check passes', async () => {
    const recorder = eventRecorder();
    const store = startStore({ inspect: recorder.inspect });
    const token = await store.buildAndStore();
    await store.delete(token);
    expect(recorder.eventTypes().filter((type) => type === 'DELETE')).toHaveLength(1);
  });
});
