import { createActor, createMachine, SimulatedClock, type AnyActorRef, type InspectionEvent } from 'xstate';
import { SecretToken, tokenStoreLogic, type AuditEvent } from '../../src';
import { sealedMatches } from '../../src/lib/sealedToken';

// The machine on its own, run with createActor: no door, no facade. What it does with
// each event is checked here word for word, replies and audit events included.

/** An actor that keeps every event it receives. */
function recipient() {
  const received: Array<Record<string, unknown>> = [];
  const actor = createActor(
    createMachine({ on: { '*': { actions: ({ event }) => void received.push(event as Record<string, unknown>) } } }),
  ).start();
  return { actor, received };
}

/** Every event the store sends: replies and self-sent events, seen through the system's inspection. */
function sentBy(store: () => AnyActorRef | undefined) {
  const sent: Array<{ type: string; to: string }> = [];
  const inspect = (inspection: InspectionEvent) => {
    if (inspection.type !== '@xstate.event' || store() === undefined) return;
    if (inspection.sourceRef !== store()) return;
    sent.push({ type: inspection.event.type, to: inspection.actorRef === store() ? 'self' : 'other' });
  };
  return { sent, inspect };
}

interface Harness {
  readonly store: ReturnType<typeof createActor<typeof tokenStoreLogic>>;
  readonly audit: AuditEvent[];
  readonly sent: Array<{ type: string; to: string }>;
  readonly clock: SimulatedClock;
  readonly tick: { value: number };
}

const running: AnyActorRef[] = [];
afterEach(() => {
  for (const actor of running.splice(0)) actor.stop();
});

function start(input: { ttlMs?: number; randomBytes?: (size: number) => Uint8Array } = {}): Harness {
  const tick = { value: 1000 };
  const clock = new SimulatedClock();
  let self: AnyActorRef | undefined;
  const { sent, inspect } = sentBy(() => self);
  const store = createActor(tokenStoreLogic, {
    input: { ...input, now: () => 1_700_000_000_000, monotonicNow: () => tick.value },
    clock,
    inspect,
  });
  self = store;
  const audit: AuditEvent[] = [];
  store.on('*', (event) => void audit.push(event as AuditEvent));
  store.start();
  running.push(store);
  return { store, audit, sent, clock, tick };
}

/** Builds a token and returns its bytes, from the reply of a real recipient. */
function build(harness: Harness): Buffer {
  const { actor, received } = recipient();
  running.push(actor);
  harness.store.send({ type: 'BUILD', replyTo: actor });
  const reply = received.at(-1) as { token: SecretToken };
  return reply.token.unwrap();
}

describe('tokenStoreLogic replies', () => {
  it('answers each request with exactly its reply, echoing the request id', () => {
    const harness = start();
    const { actor, received } = recipient();
    running.push(actor);
    harness.store.send({ type: 'CLEAR', replyTo: actor, requestId: 'c0' });
    harness.store.send({ type: 'BUILD', replyTo: actor, requestId: 'b1' });
    const token = (received[1] as { token: SecretToken }).token.unwrap();
    harness.store.send({ type: 'DELETE', replyTo: actor, requestId: 'd1', token: SecretToken.wrap(Buffer.alloc(32, 7)) });
    harness.store.send({ type: 'CONSUME', replyTo: actor, requestId: 'k1', token: SecretToken.wrap(Buffer.alloc(32, 7)) });
    harness.store.send({ type: 'DELETE', replyTo: actor, requestId: 'd2', token: SecretToken.wrap(token) });
    harness.store.send({ type: 'BUILD', replyTo: actor, requestId: 2 });
    const second = (received[5] as { token: SecretToken }).token.unwrap();
    harness.store.send({ type: 'CONSUME', replyTo: actor, requestId: 'k2', token: SecretToken.wrap(second) });
    harness.store.send({ type: 'BUILD', replyTo: actor, requestId: 3 });
    harness.store.send({ type: 'CLEAR', replyTo: actor, requestId: 'c1' });
    harness.store.send({ type: 'DELETE', replyTo: actor, requestId: 'd3', token: 'not a token' as never });

    const insertedAt = new Date(1_700_000_000_000);
    expect(received).toEqual([
      { type: 'BreakGlass.CLEARED', requestId: 'c0', ok: true },
      { type: 'BreakGlass.BUILT', requestId: 'b1', token: expect.any(SecretToken), insertedAt, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
      { type: 'BreakGlass.DELETED', requestId: 'd1', ok: false, reason: 'no_match' },
      { type: 'BreakGlass.CONSUMED', requestId: 'k1', ok: false, reason: 'no_match' },
      { type: 'BreakGlass.DELETED', requestId: 'd2', ok: true },
      { type: 'BreakGlass.BUILT', requestId: 2, token: expect.any(SecretToken), insertedAt, fingerprint: expect.any(String) },
      { type: 'BreakGlass.CONSUMED', requestId: 'k2', ok: true, insertedAt },
      { type: 'BreakGlass.BUILT', requestId: 3, token: expect.any(SecretToken), insertedAt, fingerprint: expect.any(String) },
      { type: 'BreakGlass.CLEARED', requestId: 'c1', ok: true },
      { type: 'BreakGlass.DELETED', requestId: 'd3', ok: false, reason: 'malformed' },
    ]);
  });

  it('echoes only a finite number or a string of at most 200 characters as the request id', () => {
    const harness = start();
    const { actor, received } = recipient();
    running.push(actor);
    const ids: unknown[] = [0, -1.5, 'x'.repeat(200), '', 'x'.repeat(201), Number.NaN, Infinity, -Infinity, { id: 1 }, ['a'], true, null, 10n];
    for (const requestId of ids) harness.store.send({ type: 'CLEAR', replyTo: actor, requestId } as never);
    expect(received.map((reply) => reply.requestId)).toEqual([0, -1.5, 'x'.repeat(200), '', ...Array(9).fill(undefined)]);
    expect(received).toHaveLength(ids.length);
  });

  it('sends nothing, to anyone or to itself, for a request without a live actor to answer', () => {
    const harness = start();
    const stopped = recipient();
    stopped.actor.stop();
    const lookAlike = { sessionId: 'x', id: 'x', send: jest.fn(), getSnapshot: () => ({ status: 'active' }) };
    const throwing = { get getSnapshot(): never { throw new Error('no snapshot') } };
    const addresses: unknown[] = [undefined, stopped.actor, lookAlike, throwing, 'BreakGlass.TokenStore', null];
    for (const replyTo of addresses) {
      harness.store.send({ type: 'CLEAR', replyTo } as never);
      harness.store.send({ type: 'BUILD', replyTo } as never);
      harness.store.send({ type: 'DELETE', replyTo, token: SecretToken.wrap(Buffer.alloc(32, 1)) } as never);
      harness.store.send({ type: 'CONSUME', replyTo, token: 'malformed' } as never);
      harness.store.send({ type: 'CLEAR', replyTo } as never);
    }
    expect(harness.store.getSnapshot().status).toBe('active');
    expect(harness.store.getSnapshot().value).toBe('empty');
    expect(harness.sent).toEqual([]);
    expect(stopped.received).toEqual([]);
    expect(lookAlike.send).not.toHaveBeenCalled();
  });
});

describe('tokenStoreLogic audit events', () => {
  it('reports each change with the fingerprints involved, the replaced one included', () => {
    const harness = start();
    harness.store.send({ type: 'CLEAR' });
    const first = build(harness);
    build(harness);
    harness.store.send({ type: 'DELETE', token: 'malformed' as never });
    harness.store.send({ type: 'CLEAR' });
    const at = new Date(1_700_000_000_000);
    const [cleared, built, rebuilt, rejected, clearedHeld] = harness.audit;
    expect(harness.audit).toHaveLength(5);
    expect(cleared).toEqual({ type: 'token.cleared', at, fingerprint: null });
    expect(built).toEqual({ type: 'token.built', at, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), replaced: null });
    expect(rebuilt).toEqual({ type: 'token.built', at, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), replaced: (built as { fingerprint: string }).fingerprint });
    expect(rejected).toEqual({ type: 'event.rejected', at, event: 'DELETE', reason: 'malformed_token' });
    expect(clearedHeld).toEqual({ type: 'token.cleared', at, fingerprint: (rebuilt as { fingerprint: string }).fingerprint });
    expect(first).toHaveLength(32);
  });
});

describe('tokenStoreLogic token bytes', () => {
  it('wipes the replaced token: its seal matches nothing once a new one is built', () => {
    const harness = start();
    const first = build(harness);
    const sealed = harness.store.getSnapshot().context.record!.sealed;
    expect(sealedMatches(sealed, first)).toBe(true);
    build(harness);
    expect(sealedMatches(sealed, first)).toBe(false);
  });

  it('fails instead of storing a token when the random source returns anything but 32 bytes', () => {
    for (const size of [0, 16, 31, 33]) {
      const harness = start({ randomBytes: () => new Uint8Array(size) });
      harness.store.subscribe({ error: () => undefined });
      harness.store.send({ type: 'BUILD' });
      const snapshot = harness.store.getSnapshot();
      expect(snapshot.status).toBe('error');
      expect((snapshot.error as Error).message).toBe('randomBytes did not return 32 bytes');
    }
  });
});

describe('tokenStoreLogic expiry', () => {
  const expiries = (harness: Harness) => harness.sent.filter((event) => event.type === 'BreakGlass.EXPIRE');

  it('schedules nothing for a token without a time to live', () => {
    const harness = start();
    build(harness);
    harness.clock.increment(2 ** 31);
    expect(expiries(harness)).toEqual([]);
    expect(harness.store.getSnapshot().value).toBe('holding');
  });

  it('sends itself one expiry at the deadline, and none before', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    harness.tick.value += 999;
    harness.clock.increment(999);
    expect(expiries(harness)).toEqual([]);
    harness.tick.value += 1;
    harness.clock.increment(1);
    expect(expiries(harness)).toEqual([{ type: 'BreakGlass.EXPIRE', to: 'self' }]);
    expect(harness.store.getSnapshot().value).toBe('empty');
    expect(harness.audit.at(-1)).toMatchObject({ type: 'token.expired' });
  });

  it('cancels the replaced token’s timer: a rebuild leaves one expiry pending, at the new deadline', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    harness.tick.value += 600;
    harness.clock.increment(600);
    build(harness);
    // The first token's deadline passes: no timer of its own is left to fire.
    harness.tick.value += 400;
    harness.clock.increment(400);
    expect(expiries(harness)).toEqual([]);
    harness.tick.value += 600;
    harness.clock.increment(600);
    expect(expiries(harness)).toHaveLength(1);
    expect(harness.store.getSnapshot().value).toBe('empty');
  });

  it('cancels the timer when the token is removed: nothing fires after a clear, delete or consume', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    harness.store.send({ type: 'CLEAR' });
    const token = build(harness);
    harness.store.send({ type: 'DELETE', token: SecretToken.wrap(token) });
    const again = build(harness);
    harness.store.send({ type: 'CONSUME', token: SecretToken.wrap(again) });
    harness.tick.value += 5000;
    harness.clock.increment(5000);
    expect(expiries(harness)).toEqual([]);
    expect(harness.audit.map((event) => event.type)).toEqual([
      'token.built', 'token.cleared', 'token.built', 'token.deleted', 'token.built', 'token.consumed',
    ]);
  });

  it('re-arms a timer that fires before the deadline for exactly the time left', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    // The timer fires on time, but the monotonic clock says 299.5 ms of the life are left.
    harness.tick.value += 700.5;
    harness.clock.increment(1000);
    expect(expiries(harness)).toHaveLength(1);
    expect(harness.store.getSnapshot().value).toBe('holding');
    harness.tick.value += 299;
    harness.clock.increment(299);
    expect(expiries(harness)).toHaveLength(1);
    expect(harness.store.getSnapshot().value).toBe('holding');
    harness.tick.value += 1;
    harness.clock.increment(1);
    expect(expiries(harness)).toHaveLength(2);
    expect(harness.store.getSnapshot().value).toBe('empty');
    expect(harness.audit.filter((event) => event.type === 'token.expired')).toHaveLength(1);
  });

  it('re-arms, not doubles, the timer when its own expiry is sent again early', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    const [scheduled] = Object.values(harness.store.system.getSnapshot()._scheduledEvents) as Array<{ event: object }>;
    harness.tick.value += 500;
    harness.clock.increment(500);
    harness.store.send(scheduled!.event as never);
    expect(harness.store.getSnapshot().value).toBe('holding');
    harness.tick.value += 500;
    harness.clock.increment(500);
    expect(harness.store.getSnapshot().value).toBe('empty');
    harness.tick.value += 5000;
    harness.clock.increment(5000);
    // The store sent itself only the one at the deadline: no second timer was left to fire.
    expect(expiries(harness)).toHaveLength(1);
  });

  it('arms no timer on a forged expiry: a token without a time to live keeps none', () => {
    const harness = start();
    build(harness);
    harness.store.send({ type: 'BreakGlass.EXPIRE', generation: 1 });
    harness.clock.increment(2 ** 31);
    expect(expiries(harness)).toEqual([]);
    expect(harness.store.getSnapshot().value).toBe('holding');
  });

  it('expires nothing on a forged expiry, even after the deadline', () => {
    const harness = start({ ttlMs: 1000 });
    build(harness);
    harness.tick.value += 5000;
    harness.store.send({ type: 'BreakGlass.EXPIRE', generation: 1 });
    expect(harness.store.getSnapshot().value).toBe('holding');
    // Only the store's own timer expires it.
    harness.clock.increment(1000);
    expect(harness.store.getSnapshot().value).toBe('empty');
  });
});
