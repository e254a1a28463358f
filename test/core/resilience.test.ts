import { startStore, stopAllStores } from '../support/stores';

afterEach(() => {
  jest.useRealTimers();
  return stopAllStores();
});

describe('a store whose listeners misbehave', () => {
  it('keeps its token when a snapshot listener throws on every notification', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    jest.useFakeTimers();
    store.actorRef!.subscribe(() => {
      throw new Error('listener failure');
    });
    const second = await store.buildAndStore();
    await expect(store.delete(token)).resolves.toEqual({ ok: false });

    // XState rethrows a listener's error on a timer of its own; it reaches the
    // listener's owner, not the store.
    expect(() => jest.runOnlyPendingTimers()).toThrow('listener failure');
    expect(store.actorRef!.getSnapshot().status).toBe('active');
    expect(store.lookup(second).ok).toBe(true);
    expect(store.lookup(token).ok).toBe(false);
  });

  it('keeps its token, and feeds the other audit handlers, when one handler throws on every event', async () => {
    const store = startStore();
    const received: string[] = [];
    store.on('*', () => {
      throw new Error('handler failure');
    });
    store.on('*', (event) => received.push(event.type));
    const token = await store.buildAndStore();
    await store.clear();
    expect(received).toEqual(['token.built', 'token.cleared']);
    expect(store.lookup(token).ok).toBe(false);
    const next = await store.buildAndStore();
    expect(store.lookup(next).ok).toBe(true);
  });
});

describe('a store whose actor errors', () => {
  it('does not take the process down: the error is observed, calls reject, lookups refuse', async () => {
    let fail = false;
    const store = startStore({
      randomBytes: (size) => {
        if (fail) throw new Error('entropy failure');
        return Buffer.alloc(size, 3);
      },
    });
    const token = await store.buildAndStore();
    fail = true;
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(store.lookup(token)).toEqual({ ok: false });
    await expect(store.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });
});
