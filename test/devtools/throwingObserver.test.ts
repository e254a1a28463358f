import { createActor, sendTo, setup, spawnChild } from 'xstate';
import { sanitizedInspect, startLink, tokenStoreMachine } from '../../src';
import { stopAllSupervisors, superviseStore } from '../supervision/support';
import { spiedWarningsAndStore } from './support/observerFixture';

const fixture = spiedWarningsAndStore();
afterEach(async () => {
  await stopAllSupervisors();
});

/** An inspect observer that throws once, on the first snapshot after it is armed. */
function throwsOnceWhenArmed() {
  const observer = {
    armed: false,
    inspect: (event: { type: string }) => {
      if (observer.armed && event.type === '@xstate.snapshot') {
        observer.armed = false;
        throw new Error('observer bug');
      }
    },
  };
  return observer;
}

describe('an inspect observer that throws', () => {
  it.each([
    ['sanitized (the default)', false],
    ['raw (unsafeRawInspection)', true],
  ])('never jams a store: %s', async (_label, unsafeRawInspection) => {
    const observer = throwsOnceWhenArmed();
    fixture.store = startLink({ name: `throwing-observer-${String(unsafeRawInspection)}`, inspect: observer.inspect, unsafeRawInspection });
    const token = await fixture.store.buildAndStore();
    observer.armed = true;
    // A refused DELETE: the throw comes while XState reports the snapshot after it.
    expect(() => fixture.store!.actorRef!.send({ type: 'DELETE' } as never)).not.toThrow();
    expect(observer.armed).toBe(false);
    expect(await fixture.store.delete(token, { timeoutMs: 500 })).toEqual({ ok: true });
    expect(fixture.store.lookup(token)).toEqual({ ok: false });
    expect(await fixture.store.clear({ timeoutMs: 500 })).toEqual({ ok: true });
    const actor = fixture.store.actorRef!;
    await fixture.store.stop();
    fixture.store = undefined;
    expect(actor.getSnapshot().status).toBe('stopped');
    expect(fixture.warnings).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ code: 'BREAK_GLASS_INSPECT_OBSERVER' }));
  });

  it('never jams a supervised store', async () => {
    const observer = throwsOnceWhenArmed();
    const { store: supervised } = superviseStore({}, { inspect: observer.inspect });
    const token = await supervised.buildAndStore();
    observer.armed = true;
    expect(await supervised.delete(token, { timeoutMs: 500 })).toEqual({ ok: true });
    expect(observer.armed).toBe(false);
    expect((await supervised.buildAndStore({ timeoutMs: 500 })).length).toBe(32);
  });

  it('never jams a store through an observer added to its system by whoever holds its ref', async () => {
    fixture.store = startLink({ name: 'system-inspect' });
    const token = await fixture.store.buildAndStore();
    const observer = throwsOnceWhenArmed();
    fixture.store.actorRef!.system.inspect(observer.inspect);
    observer.armed = true;
    expect(await fixture.store.delete(token, { timeoutMs: 500 })).toEqual({ ok: true });
    expect(observer.armed).toBe(false);
    const actor = fixture.store.actorRef!;
    await fixture.store.stop();
    fixture.store = undefined;
    expect(actor.getSnapshot().status).toBe('stopped');
  });

  it('warns once per observer, however often it throws', async () => {
    fixture.store = startLink({ name: 'warn-once', inspect: () => { throw new Error('always'); } });
    await fixture.store.buildAndStore();
    await fixture.store.clear();
    const ours = fixture.warnings.mock.calls.filter(([, options]) => (options as { code?: string })?.code === 'BREAK_GLASS_INSPECT_OBSERVER');
    expect(ours).toHaveLength(1);
  });

  it('never jams an actor of your own whose inspect is wrapped with sanitizedInspect', () => {
    const observer = throwsOnceWhenArmed();
    const actor = createActor(tokenStoreMachine, { inspect: sanitizedInspect(observer.inspect) }).start();
    observer.armed = true;
    actor.send({ type: 'BUILD' });
    expect(observer.armed).toBe(false);
    actor.send({ type: 'CLEAR' });
    expect(actor.getSnapshot().value).toBe('empty');
    actor.stop();
  });
});

describe('a reply seen in sanitized inspection', () => {
  it('names the real recipient, the same view as its own events', () => {
    const views: { type: string; eventType?: string; actorRef: unknown }[] = [];
    const parent = createActor(
      setup({ actors: { tokens: tokenStoreMachine } }).createMachine({
        entry: [spawnChild('tokens', { id: 'tokens' }), sendTo('tokens', ({ self }) => ({ type: 'BUILD', replyTo: self }))],
      }),
      { inspect: sanitizedInspect((event) => views.push({ type: event.type, eventType: (event as { event?: { type: string } }).event?.type, actorRef: event.actorRef })) },
    ).start();
    const parentView = views.find((seen) => seen.type === '@xstate.actor')!.actorRef;
    const reply = views.find((seen) => seen.type === '@xstate.event' && seen.eventType === 'BreakGlass.BUILT');
    expect(reply?.actorRef).toBe(parentView);
    parent.stop();
  });
});

describe('replies seen in raw inspection', () => {
  it('are addressed to one stable reference per recipient, which passes for the recipient', () => {
    const replyTargets: unknown[] = [];
    const parent = createActor(
      setup({ actors: { tokens: tokenStoreMachine } }).createMachine({
        entry: [
          spawnChild('tokens', { id: 'tokens' }),
          sendTo('tokens', ({ self }) => ({ type: 'BUILD', replyTo: self })),
          sendTo('tokens', ({ self }) => ({ type: 'CLEAR', replyTo: self })),
          sendTo('tokens', ({ self }) => ({ type: 'BUILD', replyTo: self })),
        ],
      }),
      {
        inspect: (event) => {
          if (event.type === '@xstate.event' && event.event.type.startsWith('BreakGlass.') && (event.sourceRef as { id?: string } | undefined)?.id === 'tokens') {
            replyTargets.push(event.actorRef);
          }
        },
      },
    ).start();
    expect(replyTargets).toHaveLength(3);
    const [first, ...others] = replyTargets as { sessionId: string; id: string }[];
    for (const other of others) expect(other).toBe(first);
    expect(first!.sessionId).toBe(parent.sessionId);
    expect(first!.id).toBe(parent.id);
    parent.stop();
  });
});
