import { Actor, createActor, createMachine, fromTransition, sendTo, setup, spawnChild, type AnyActorRef, type InspectionEvent } from 'xstate';
import { sanitizedInspect, startLink, tokenStoreMachine, type TokenStoreHandle } from '../../src';
import { countingRandomSource } from '../support/stores';
import { heldTokenContext } from './support/heldTokenContext';
import { unreadableSnapshotLogic } from './support/unreadableLogic';

/** What an observer can read of an actor in a sanitized inspection event. */
interface ActorView {
  readonly id: string;
  readonly sessionId: string;
  readonly _parent: ActorView | undefined;
  readonly logic: { readonly config: unknown } | undefined;
  getSnapshot(): unknown;
  send(event: { type: string }): void;
  toJSON(): unknown;
}

/** A sanitized inspection event, read through its getters. */
interface Seen {
  readonly type: InspectionEvent['type'];
  readonly rootId: string;
  readonly actorRef: ActorView;
  readonly sourceRef: ActorView | undefined;
  readonly event: { readonly type: string; readonly [key: string]: unknown } | undefined;
  readonly snapshot: unknown;
  readonly action: { readonly type: string; readonly params: unknown } | undefined;
  toJSON(): unknown;
}

function recorder() {
  const seen: Seen[] = [];
  return { seen, inspect: (event: InspectionEvent) => void seen.push(event as unknown as Seen) };
}

/** What a relay writes: the event through `JSON.stringify`, read back. */
const relayed = (event: Seen): unknown => JSON.parse(JSON.stringify(event));

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  await store?.stop();
  store = undefined;
});

describe('a store started with startLink, under its default sanitized inspection', () => {
  async function storeWithOneToken(name: string) {
    const { seen, inspect } = recorder();
    store = startLink({ name, inspect, randomBytes: countingRandomSource(), now: () => 1_000 });
    const token = await store.buildAndStore();
    const actor = store.actorRef!;
    const fingerprint = actor.getSnapshot().context.record!.sealed.fingerprint;
    const view = seen.find((event) => event.type === '@xstate.actor')!.actorRef;
    return { seen, token, actor, fingerprint, view };
  }

  it('shows the store as a view: its ids, no parent, its definition, a sanitized snapshot and send', async () => {
    const { seen, token, actor, fingerprint, view } = await storeWithOneToken('sanitized-view');
    expect(view).not.toBe(actor);
    expect(view.id).toBe(actor.id);
    expect(view.sessionId).toBe(actor.sessionId);
    expect(view._parent).toBeUndefined();
    expect(view.logic).toStrictEqual({ config: tokenStoreMachine.config });
    expect(JSON.stringify(view)).toBe(JSON.stringify({ actor: actor.id }));
    // One view per actor, in every event about it.
    const aboutStore = seen.filter((event) => event.actorRef.sessionId === actor.sessionId);
    expect(aboutStore.length).toBeGreaterThan(5);
    expect(aboutStore.every((event) => event.actorRef === view)).toBe(true);

    expect(view.getSnapshot()).toStrictEqual({
      status: 'active',
      value: 'holding',
      context: heldTokenContext(fingerprint, 1_000),
      children: {},
      output: undefined,
      error: undefined,
    });

    // Sending goes to the store itself, and the next read shows what it did.
    view.send({ type: 'CLEAR' });
    expect(store!.lookup(token)).toEqual({ ok: false });
    expect(view.getSnapshot()).toMatchObject({ value: 'empty', context: { record: null, generation: 1 } });
  });

  it('carries each event type with what it is about, sanitized, and nothing else', async () => {
    const { seen, actor, fingerprint, view } = await storeWithOneToken('sanitized-event-types');
    const storeId = actor.sessionId;
    const reply = seen.find((event) => event.type === '@xstate.event' && event.event?.type === 'BreakGlass.BUILT')!;
    const caller = reply.actorRef.id;
    const build = seen.find((event) => event.type === '@xstate.event' && event.event?.type === 'BUILD')!;
    const requestId = build.event!.requestId;
    const built = {
      type: 'BreakGlass.BUILT',
      requestId,
      token: '[redacted]',
      insertedAt: '1970-01-01T00:00:01.000Z',
      fingerprint,
    };
    const holding = {
      status: 'active',
      value: 'holding',
      context: heldTokenContext(fingerprint, 1_000),
      children: {},
    };

    const announced = seen.find((event) => event.type === '@xstate.actor')!;
    expect(relayed(announced)).toStrictEqual({ type: '@xstate.actor', rootId: storeId, actorRef: { actor: storeId } });
    expect([announced.sourceRef, announced.event, announced.snapshot, announced.action]).toStrictEqual([undefined, undefined, undefined, undefined]);

    expect(relayed(build)).toStrictEqual({
      type: '@xstate.event',
      rootId: storeId,
      actorRef: { actor: storeId },
      event: { type: 'BUILD', replyTo: { actor: caller }, requestId },
    });
    // Sent from outside any actor: no source. Sanitized once and kept.
    expect(build.sourceRef).toBeUndefined();
    expect(build.snapshot).toBeUndefined();
    expect(build.event).toBe(build.event);

    const sendReply = seen.find((event) => event.type === '@xstate.action' && event.action?.type === 'xstate.sendTo')!;
    expect(relayed(sendReply)).toStrictEqual({
      type: '@xstate.action',
      rootId: storeId,
      actorRef: { actor: storeId },
      action: { type: 'xstate.sendTo', params: { to: { actor: caller }, event: built } },
    });
    expect([sendReply.event, sendReply.snapshot]).toStrictEqual([undefined, undefined]);

    expect(relayed(reply)).toStrictEqual({
      type: '@xstate.event',
      rootId: storeId,
      actorRef: { actor: caller },
      sourceRef: { actor: storeId },
      event: built,
    });
    expect(reply.sourceRef).toBe(view);

    const after = seen.find((event) => event.type === '@xstate.snapshot' && event.event?.type === 'BUILD')!;
    expect(relayed(after)).toStrictEqual({
      type: '@xstate.snapshot',
      rootId: storeId,
      actorRef: { actor: storeId },
      event: { type: 'BUILD', replyTo: { actor: caller }, requestId },
      snapshot: holding,
    });
    expect(after.snapshot).toBe(after.snapshot);
    expect(after.action).toBeUndefined();
  });

  it('hands an observer the actors themselves only with unsafeRawInspection', async () => {
    const sanitized = recorder();
    store = startLink({ name: 'sanitized-by-default', inspect: sanitized.inspect });
    expect(sanitized.seen[0]!.actorRef).not.toBe(store.actorRef);
    expect(sanitized.seen[0]!.actorRef.getSnapshot()).toMatchObject({ status: 'active', value: 'empty' });
    await store.stop();

    const raw: InspectionEvent[] = [];
    store = startLink({ name: 'raw-on-request', unsafeRawInspection: true, inspect: (event) => void raw.push(event) });
    expect(raw[0]!.actorRef).toBe(store.actorRef);
  });
});

describe('a system of your own, inspected through sanitizedInspect', () => {
  const app = setup({ actors: { tokens: tokenStoreMachine } }).createMachine({
    id: 'app',
    entry: [
      spawnChild('tokens', { id: 'store', input: { randomBytes: countingRandomSource(7), now: () => 2_000 } }),
      sendTo('store', ({ self }) => ({ type: 'BUILD', replyTo: self, requestId: 'r1' })),
    ],
  });

  it('links each child to its parent and names the source of every event sent between them', () => {
    const { seen, inspect } = recorder();
    const parent = createActor(app, { inspect: sanitizedInspect(inspect) }).start();
    const [parentView, childView] = seen.filter((event) => event.type === '@xstate.actor').map((event) => event.actorRef);
    expect(parentView!.id).toBe(parent.id);
    expect(parentView!._parent).toBeUndefined();
    expect(parentView!.logic!.config).toBe(app.config);
    expect(childView!.id).toBe('store');
    expect(childView!.sessionId).not.toBe('store');
    expect(childView!._parent).toBe(parentView);
    expect((childView!.logic!.config as { id: string }).id).toBe('BreakGlass.TokenStore');

    const build = seen.find((event) => event.type === '@xstate.event' && event.event?.type === 'BUILD')!;
    expect(build.actorRef).toBe(childView);
    expect(build.sourceRef).toBe(parentView);
    expect(build.event).toStrictEqual({ type: 'BUILD', replyTo: { actor: parent.id }, requestId: 'r1' });
    const reply = seen.find((event) => event.type === '@xstate.event' && event.event?.type === 'BreakGlass.BUILT')!;
    expect(reply.sourceRef).toBe(childView);
    expect(reply.event).toMatchObject({ requestId: 'r1', token: '[redacted]', insertedAt: '1970-01-01T00:00:02.000Z' });

    expect(parentView!.getSnapshot()).toStrictEqual({
      status: 'active',
      value: {},
      context: {},
      children: { store: { actor: 'store' } },
      output: undefined,
      error: undefined,
    });
    parent.stop();
  });
});

describe('snapshots of any actor logic', () => {
  it.each<[string, unknown, unknown]>([
    ['a number', 42, 42],
    ['null', null, null],
    ['a string', 'ready', 'ready'],
    ['a record, secret-named fields withheld', { apiToken: 'abc', attempts: 2 }, { apiToken: '[redacted]', attempts: 2 }],
    ['an array, put under value', [1, 2], { value: [1, 2] }],
    ['bytes, put under value', new Uint8Array(32), { value: '[redacted] 32 bytes' }],
  ])('show a context that is %s as sanitizeContext does for objects, as itself otherwise', (_label, context, shown) => {
    const { seen, inspect } = recorder();
    const actor = createActor(fromTransition((state) => state, context), { inspect: sanitizedInspect(inspect) }).start();
    const expected = { status: 'active', value: undefined, context: shown, children: undefined, output: undefined, error: undefined };
    expect(seen.find((event) => event.type === '@xstate.snapshot')!.snapshot).toStrictEqual(expected);
    expect(seen[0]!.actorRef.getSnapshot()).toStrictEqual(expected);
    actor.stop();
  });

  it('show a finished machine\'s output and a failed one\'s error redacted', () => {
    const { seen, inspect } = recorder();
    const finished = createMachine({ initial: 'done', states: { done: { type: 'final' } }, output: { answer: 42, sessionToken: 'abc' } });
    createActor(finished, { inspect: sanitizedInspect(inspect) }).start();
    expect(seen.find((event) => event.type === '@xstate.snapshot')!.snapshot).toStrictEqual({
      status: 'done',
      value: 'done',
      context: {},
      children: {},
      output: { answer: 42, sessionToken: '[redacted]' },
      error: undefined,
    });

    const failing = createMachine({
      entry: () => {
        throw new Error('failed with abc');
      },
    });
    const failed = createActor(failing, { inspect: sanitizedInspect(inspect) });
    failed.subscribe({ error: () => undefined });
    failed.start();
    expect(failed.getSnapshot().status).toBe('error');
    // The error, whatever its message holds, is shown as its class only.
    const view = seen.filter((event) => event.type === '@xstate.actor').at(-1)!.actorRef;
    expect(view.getSnapshot()).toMatchObject({ status: 'error', error: '[Error]' });
  });

  it('show a snapshot whose fields cannot be read as unreadable', () => {
    const { seen, inspect } = recorder();
    const actor = createActor(unreadableSnapshotLogic, { inspect: sanitizedInspect(inspect) }).start();
    const expected = { status: 'unreadable', value: undefined, context: undefined, children: undefined, output: undefined, error: undefined };
    expect(seen.find((event) => event.type === '@xstate.snapshot')!.snapshot).toStrictEqual(expected);
    expect(seen[0]!.actorRef.getSnapshot()).toStrictEqual(expected);
    actor.stop();
  });
});

describe('a reply to an object that passes for an actor', () => {
  it('shows the recipient with its ids and snapshot, and no definition or parent it does not have', async () => {
    const { seen, inspect } = recorder();
    store = startLink({ name: 'look-alike-recipient', inspect });
    const lookAlike = Object.assign(Object.create(Actor.prototype), {
      id: 'look-alike',
      sessionId: 'look-alike:1',
      getSnapshot: () => ({ status: 'active' }),
      _send: () => undefined,
    }) as AnyActorRef;
    store.actorRef!.send({ type: 'BUILD', replyTo: lookAlike });
    const reply = seen.find((event) => event.type === '@xstate.event' && event.event?.type === 'BreakGlass.BUILT')!;
    const recipient = reply.actorRef;
    expect([recipient.id, recipient.sessionId]).toEqual(['look-alike', 'look-alike:1']);
    expect(recipient.logic).toBeUndefined();
    expect(recipient._parent).toBeUndefined();
    expect(recipient.getSnapshot()).toStrictEqual({
      status: 'active',
      value: undefined,
      context: undefined,
      children: undefined,
      output: undefined,
      error: undefined,
    });
  });
});
