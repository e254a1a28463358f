import type { AnyActorRef } from 'xstate';
import { whereis, type AuditEvent } from '../../src';
import { startStore, stopAllStores } from '../support/stores';

afterEach(() => stopAllStores());

/** A DELETE whose `token` throws when read: the store fails on it with UnreadableEventError. */
function unreadableDelete(): object {
  return Object.defineProperty({ type: 'DELETE' }, 'token', {
    enumerable: true,
    get() {
      throw new Error('token is unreadable');
    },
  });
}

describe("a standalone store's lifecycle on its audit trail", () => {
  it("reports its start and its stop at the store's own clock", async () => {
    const events: AuditEvent[] = [];
    let now = 1000;
    const store = startStore({ name: 'lifecycle', now: () => now, onAudit: (event) => events.push(event) });
    now = 2000;
    await store.stop();
    expect(events).toEqual([
      { type: 'store.started', at: new Date(1000), name: 'lifecycle' },
      { type: 'store.exited', at: new Date(2000), name: 'lifecycle', reason: 'stopped' },
    ]);
    expect(whereis('lifecycle')).toBeUndefined();
  });

  it.each([
    ['an Error', new TypeError('no entropy'), 'TypeError'],
    ['a string', 'no entropy', 'error'],
    ['undefined', undefined, 'error'],
  ])('names a crash by the class of what was thrown, for %s', async (_label, thrown, reason) => {
    const events: AuditEvent[] = [];
    const store = startStore({
      name: 'crashing',
      now: () => 5,
      onAudit: (event) => events.push(event),
      randomBytes: () => {
        throw thrown;
      },
    });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: thrown });
    expect(events.at(-1)).toEqual({ type: 'store.exited', at: new Date(5), name: 'crashing', reason });
    expect(whereis('crashing')).toBeUndefined();
  });

  it('reports no start for a store that failed while starting, only its exit', () => {
    const events: AuditEvent[] = [];
    let crashed = false;
    const store = startStore({
      name: 'failing-start',
      onAudit: (event) => events.push(event),
      unsafeRawInspection: true,
      inspect: (event) => {
        if (crashed || event.type !== '@xstate.actor') return;
        crashed = true;
        (event.actorRef as AnyActorRef).send(unreadableDelete());
      },
    });
    expect(events.map((event) => [event.type, (event as { reason?: string }).reason])).toEqual([['store.exited', 'UnreadableEventError']]);
    expect(store.actorRef).toBeUndefined();
    expect(whereis('failing-start')).toBeUndefined();
  });
});

describe('stopping a standalone store', () => {
  it("rejects a call it is still working on with the reason 'stopped', and frees the name", async () => {
    const store = startStore({ name: 'stopped-mid-call' });
    // Audit handlers run while the store is busy: it stops before it can reply.
    store.on('token.built', () => void store.stop());
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', operation: 'buildAndStore', reason: 'stopped' });
    expect(whereis('stopped-mid-call')).toBeUndefined();
    await expect(store.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });
});

describe('startLink() when the actor cannot be created', () => {
  it('rethrows the error and leaves the name free for the next store', async () => {
    const failure = new Error('inspect cannot be read');
    const options = Object.defineProperty({ name: 'uncreated' }, 'inspect', {
      enumerable: true,
      get() {
        throw failure;
      },
    });
    expect(() => startStore(options)).toThrow(failure);
    expect(whereis('uncreated')).toBeUndefined();
    const next = startStore({ name: 'uncreated' });
    expect(whereis('uncreated')).toBe(next);
    expect(next.lookup(await next.buildAndStore()).ok).toBe(true);
  });
});
