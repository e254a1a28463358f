import { createActor, fromCallback } from 'xstate';
import { SecretToken, startLink, type AuditEvent, type TokenStoreHandle } from '../../src';

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  await store?.stop();
  store = undefined;
  jest.useRealTimers();
});

/** A monotonic clock the test moves by hand, backwards too, to play a misbehaving source. */
function manualClock(start = 1000) {
  let tick = start;
  return { read: () => tick, set: (value: number) => void (tick = value) };
}

describe('ttlMs', () => {
  it('drops the token by the store timer at ttlMs and reports it expired', async () => {
    jest.useFakeTimers({ now: 0 });
    const audit: AuditEvent[] = [];
    store = startLink({ name: 'ttl-timer', ttlMs: 1000, onAudit: (event) => audit.push(event) });
    const token = await store.buildAndStore();
    jest.advanceTimersByTime(999);
    expect(store.actorRef!.getSnapshot().value).toBe('holding');
    jest.advanceTimersByTime(1);
    expect(store.actorRef!.getSnapshot().value).toBe('empty');
    expect(store.lookup(token).ok).toBe(false);
    const expired = audit.find((event) => event.type === 'token.expired');
    expect(expired).toMatchObject({ type: 'token.expired', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('refuses a token exactly at ttlMs in lookup even when the timer has not fired', async () => {
    jest.useFakeTimers();
    const clock = manualClock();
    store = startLink({ name: 'ttl-exact', ttlMs: 500, monotonicNow: clock.read });
    const token = await store.buildAndStore();
    clock.set(1499);
    expect(store.lookup(token).ok).toBe(true);
    clock.set(1500);
    expect(store.lookup(token).ok).toBe(false);
    // The timer is late (fake timers not advanced): the record is still held, and still refused.
    expect(store.actorRef!.getSnapshot().value).toBe('holding');
  });

  it('never extends a life when the clock steps back', async () => {
    jest.useFakeTimers();
    const clock = manualClock();
    store = startLink({ name: 'ttl-backwards', ttlMs: 500, monotonicNow: clock.read });
    const token = await store.buildAndStore();
    clock.set(1600);
    expect(store.lookup(token).ok).toBe(false);
    clock.set(1100);
    expect(store.lookup(token).ok).toBe(false);
  });

  it('refuses a late consume or delete of an expired token', async () => {
    jest.useFakeTimers();
    const clock = manualClock();
    store = startLink({ name: 'ttl-consume', ttlMs: 500, monotonicNow: clock.read });
    const token = await store.buildAndStore();
    clock.set(1500);
    expect(await store.consume(token)).toEqual({ ok: false });
    expect(await store.delete(token)).toEqual({ ok: false });
  });

  it('refuses a CONSUME sent straight to the store after the deadline, before the timer fires', async () => {
    jest.useFakeTimers();
    const clock = manualClock();
    store = startLink({ name: 'ttl-actor-consume', ttlMs: 500, monotonicNow: clock.read });
    const token = await store.buildAndStore();
    const replies: unknown[] = [];
    const inbox = createActor(fromCallback<{ type: string }>(({ receive }) => receive((reply) => replies.push(reply)))).start();
    clock.set(1500);
    store.actorRef!.send({ type: 'CONSUME', token: SecretToken.wrap(token), replyTo: inbox, requestId: 1 });
    inbox.stop();
    expect(replies).toEqual([{ type: 'BreakGlass.CONSUMED', requestId: 1, ok: false, reason: 'no_match' }]);
  });

  it('gives a rebuilt token a fresh life, and the old timer does not drop it', async () => {
    jest.useFakeTimers({ now: 0 });
    store = startLink({ name: 'ttl-rebuild', ttlMs: 1000 });
    await store.buildAndStore();
    jest.advanceTimersByTime(600);
    const second = await store.buildAndStore();
    jest.advanceTimersByTime(600);
    expect(store.lookup(second).ok).toBe(true);
    jest.advanceTimersByTime(400);
    expect(store.lookup(second).ok).toBe(false);
  });

  it('leaves no timer behind after stop, nor after clear', async () => {
    jest.useFakeTimers();
    store = startLink({ name: 'ttl-stop', ttlMs: 60_000 });
    await store.buildAndStore();
    expect(jest.getTimerCount()).toBe(1);
    await store.clear();
    expect(jest.getTimerCount()).toBe(0);
    await store.buildAndStore();
    expect(jest.getTimerCount()).toBe(1);
    await store.stop();
    store = undefined;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is off by default: no timer is armed', async () => {
    jest.useFakeTimers();
    store = startLink({ name: 'ttl-off' });
    const token = await store.buildAndStore();
    expect(jest.getTimerCount()).toBe(0);
    expect(store.lookup(token).ok).toBe(true);
  });
});

describe('consume()', () => {
  it('lets exactly one of two racing consumers win', async () => {
    store = startLink({ name: 'consume-race' });
    const token = await store.buildAndStore();
    const racers: Promise<{ ok: boolean }>[] = [];
    // Both consumers start while the store is busy with another event, so both pass the facade's
    // pre-check and both CONSUME events wait in the mailbox: the store alone decides between them.
    const racingStore = store;
    const subscription = store.on('event.rejected', () => {
      racers.push(racingStore.consume(token), racingStore.consume(token));
    });
    store.actorRef!.send({ type: 'DELETE', token: 'not a token' } as never);
    subscription.unsubscribe();
    expect(racers).toHaveLength(2);
    const results = await Promise.all(racers);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results[0]).toEqual({ ok: true, insertedAt: expect.any(Date) });
    expect(results[1]).toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(false);
  });
});
