import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { TokenStoreHandle } from '../../src';
import { countingRandomSource, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

type Request = { readonly type: string; readonly replyTo: AnyActorRef; readonly requestId: number };

/**
 * Every request the facade sends its store, as delivered: what any holder of the
 * store's ref sees through `system.inspect`, the facade's reply actor included.
 * `onRequest` runs before the store processes the request.
 */
function watchRequests(store: TokenStoreHandle, onRequest: (request: Request) => void = () => undefined): Request[] {
  const requests: Request[] = [];
  const actor = store.actorRef!;
  actor.system.inspect((event: InspectionEvent) => {
    if (event.type !== '@xstate.event' || event.actorRef !== actor) return;
    const request = event.event as Request;
    requests.push(request);
    onRequest(request);
  });
  return requests;
}

/** Answers each of the facade's requests first, with `reply(type)` under the request's own id, until disarmed. */
function forgeReplies(store: TokenStoreHandle, reply: (type: string) => object): { disarm(): void } {
  let armed = true;
  watchRequests(store, (request) => {
    if (armed) request.replyTo.send({ ...reply(request.type), requestId: request.requestId });
  });
  return { disarm: () => void (armed = false) };
}

describe("the facade's reply actor", () => {
  it('ends a build answered with another kind of reply in a TypeError, handing out no token', async () => {
    const store = startStore({ randomBytes: countingRandomSource(1) });
    const forger = forgeReplies(store, () => ({ type: 'BreakGlass.CLEARED', ok: true }));
    await expect(store.buildAndStore()).rejects.toThrow(new TypeError('unexpected reply to BUILD'));
    forger.disarm();
    // The store's own reply came after the call had ended; the next call is answered as usual.
    await expect(store.buildAndStore()).resolves.toEqual(Buffer.alloc(32, 2));
  });

  it.each([
    ['delete', 'BreakGlass.CLEARED'],
    ['consume', 'BreakGlass.DELETED'],
  ] as const)('refuses a %s answered with a %s reply that says ok', async (operation, forgedType) => {
    const store = startStore();
    const token = await store.buildAndStore();
    const forger = forgeReplies(store, () => ({ type: forgedType, ok: true, insertedAt: new Date(0) }));
    await expect(store[operation](token)).resolves.toEqual({ ok: false });
    forger.disarm();
    const next = await store.buildAndStore();
    await expect(store[operation](next)).resolves.toMatchObject({ ok: true });
  });

  it('ignores messages that are not objects, from anyone holding its ref', async () => {
    const store = startStore();
    const requests = watchRequests(store);
    const first = await store.buildAndStore();
    const inbox = requests[0]!.replyTo;
    for (const message of [null, undefined, 0, 'BreakGlass.BUILT', Symbol('reply')]) {
      expect(() => inbox.send(message as never)).not.toThrow();
    }
    await expect(store.delete(first)).resolves.toEqual({ ok: true });
    expect((await store.buildAndStore()).length).toBe(32);
  });

  it('leaves no reply actor running once the store is stopped', async () => {
    const store = startStore();
    const requests = watchRequests(store);
    const token = await store.buildAndStore();
    await store.consume(token);
    await store.buildAndStore();
    await store.clear();
    await store.stop();
    const statuses = requests.map((request) => request.replyTo.getSnapshot().status);
    expect(statuses).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
  });
});
