import type { TokenStoreActorRef, TokenStoreHandle } from '../../src';
import { countingRandomSource, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

/** A DELETE whose token getter throws: the store fails on it with ERR_EVENT_UNREADABLE. */
function unreadableDelete(): object {
  return Object.defineProperty({ type: 'DELETE' }, 'token', {
    enumerable: true,
    get() {
      throw new Error('unreadable');
    },
  });
}

/**
 * What a call ended with, caught from the start: its error, or `{ resolved }`. A failed
 * assertion on one call then leaves no other call's rejection unhandled.
 */
function ending(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
}

describe('calls waiting on a store that fails', () => {
  it('reject with ERR_STORE_EXITED, naming their own operation and the store’s error', async () => {
    const store = startStore({ randomBytes: countingRandomSource(1) });
    const actor = store.actorRef!;
    const token = Buffer.alloc(32, 1);
    let queued: Record<string, Promise<unknown>> | undefined;
    // A snapshot listener runs while the actor is still processing the BUILD, so what it sends
    // queues: first an event that fails the store, then three calls, whose pre-checks pass here.
    const subscription = actor.subscribe({
      next: () => {
        if (queued !== undefined) return;
        actor.send(unreadableDelete() as never);
        queued = { delete: ending(store.delete(token)), consume: ending(store.consume(token)), clear: ending(store.clear()) };
      },
      // The failure is expected; an observer without an error handler would report it as unhandled.
      error: () => undefined,
    });
    const build = ending(store.buildAndStore());
    subscription.unsubscribe();

    const unreadable = expect.objectContaining({ code: 'ERR_EVENT_UNREADABLE' });
    // The build was answered before the failure, but its token died with the store.
    expect(await build).toMatchObject({ code: 'ERR_STORE_EXITED', operation: 'buildAndStore', reason: unreadable });
    for (const operation of ['delete', 'consume', 'clear']) {
      expect(await queued![operation]).toMatchObject({ code: 'ERR_STORE_EXITED', operation, reason: unreadable });
    }
    expect(store.lookup(token)).toEqual({ ok: false });
  });
});

describe('a build answered just before the store is stopped', () => {
  it('rejects with ERR_STORE_EXITED for the reason stopped, handing out no token', async () => {
    const store = startStore({ randomBytes: countingRandomSource(1) });
    // The store answers at once; the caller resumes only after the stop below.
    const build = ending(store.buildAndStore());
    await store.stop();
    expect(await build).toMatchObject({ code: 'ERR_STORE_EXITED', operation: 'buildAndStore', reason: 'stopped' });
    expect(store.lookup(Buffer.alloc(32, 1))).toEqual({ ok: false });
  });
});

describe('a call made after the store ended, before the facade learns of it', () => {
  /** Starts a store whose actor is observed from its creation, before startLink adopts it. */
  function observedStore(onExit: (store: TokenStoreHandle, actor: TokenStoreActorRef) => void): TokenStoreHandle {
    let store: TokenStoreHandle | undefined;
    store = startStore({
      // The test needs the live actor itself, not the sanitized view devtools get.
      unsafeRawInspection: true,
      inspect: (event) => {
        if (event.type !== '@xstate.actor' || store !== undefined) return;
        const actor = event.actorRef as TokenStoreActorRef;
        const exit = () => onExit(store!, actor);
        actor.subscribe({ error: exit, complete: exit });
      },
    });
    return store;
  }

  it.each([
    ['stopped', 'stopped', (store: TokenStoreHandle) => store.stop()],
    ['failed', 'error', (store: TokenStoreHandle) => store.actorRef!.send(unreadableDelete() as never)],
  ])('rejects with ERR_NOT_RUNNING once the store %s', async (_label, status, end) => {
    const calls: Promise<unknown>[] = [];
    let seen: { status: string; bound: boolean } | undefined;
    const store = observedStore((handle, actor) => {
      // The ended actor is still the facade's: only its status tells.
      seen = { status: actor.getSnapshot().status, bound: handle.actorRef === actor };
      calls.push(ending(handle.buildAndStore()), ending(handle.clear()));
    });
    const token = await store.buildAndStore();
    await end(store);
    expect(seen).toEqual({ status, bound: true });
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(await call).toMatchObject({ code: 'ERR_NOT_RUNNING' });
    expect(store.lookup(token)).toEqual({ ok: false });
  });
});
