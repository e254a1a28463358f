import { fromCallback, type AnyActorRef } from 'xstate';
import { childSpec, startLink, TokenStore, whereis, type AuditEvent, type TokenStoreActorRef } from '../../src';
import { crashableEntropy, manualClock, stopAllSupervisors, supervise, superviseStore } from './support';

const NAME = 'BreakGlass.TokenStore';

function liveStore(actor: AnyActorRef): TokenStoreActorRef {
  return actor.system.get(NAME) as TokenStoreActorRef;
}

afterEach(async () => {
  await stopAllSupervisors();
});

describe('startSupervisor()', () => {
  it('registers the store under its name in the actor system and in whereis', () => {
    const { supervisor, store } = superviseStore();
    expect(liveStore(supervisor.actorRef)).toBe(store.actorRef);
    expect(liveStore(supervisor.actorRef).getSnapshot().status).toBe('active');
    expect(whereis(NAME)).toBe(store);
  });

  it('restarts a store whose random source throws with an empty context; the old token no longer looks up', async () => {
    const { supervisor, store, entropy } = superviseStore();
    const before = await store.buildAndStore();
    const crashed = store.actorRef;
    entropy.arm();
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(crashed?.getSnapshot().status).toBe('error');
    const restarted = liveStore(supervisor.actorRef);
    expect(restarted).not.toBe(crashed);
    expect(restarted.getSnapshot().context.record).toBeNull();
    expect(store.lookup(before)).toEqual({ ok: false });
    expect(TokenStore.lookup(before)).toEqual({ ok: false });
    const after = await TokenStore.buildAndStore();
    expect(store.lookup(after).ok).toBe(true);
  });

  it('survives three crashes in a row in one tick, with system.get answering the live store after each', async () => {
    const { supervisor, store, entropy } = superviseStore();
    const seen = new Set<AnyActorRef>();
    entropy.arm(3);
    for (let crash = 0; crash < 3; crash += 1) {
      const current = liveStore(supervisor.actorRef);
      seen.add(current);
      current.send({ type: 'BUILD' });
      expect(current.getSnapshot().status).toBe('error');
      expect(liveStore(supervisor.actorRef).getSnapshot().status).toBe('active');
    }
    seen.add(liveStore(supervisor.actorRef));
    expect(seen.size).toBe(4);
    expect(supervisor.actorRef.getSnapshot().status).toBe('active');
    expect(store.lookup(await store.buildAndStore()).ok).toBe(true);
  });

  it('answers lookup with error, never throwing and never from the dead instance, between a crash and the restart', async () => {
    const { supervisor, store, entropy } = superviseStore();
    const token = await store.buildAndStore();
    const crashing = liveStore(supervisor.actorRef);
    const inTheGap: unknown[] = [];
    // Runs after the handle has dropped the crashed instance and before the supervisor hears of it.
    crashing.subscribe({
      error: () => {
        inTheGap.push(store.lookup(token), TokenStore.lookup(token), supervisor.actorRef.system.get(NAME));
      },
    });
    entropy.arm();
    crashing.send({ type: 'BUILD' });
    expect(inTheGap).toEqual([{ ok: false }, { ok: false }, undefined]);
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  it('rejects every call pending on a crashed store with ERR_STORE_EXITED carrying the reason', async () => {
    const { store, entropy } = superviseStore();
    const pending: Promise<unknown>[] = [];
    // Audit handlers run while the store is busy, so these calls queue behind the one that crashes it.
    const subscription = store.on('token.built', () => {
      subscription.unsubscribe();
      entropy.arm();
      pending.push(store.buildAndStore(), store.clear(), store.buildAndStore({ timeoutMs: 60_000 }));
    });
    const first = store.buildAndStore();
    const results = await Promise.allSettled([first, ...pending]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const result of results) {
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toMatchObject({ code: 'ERR_STORE_EXITED', storeName: NAME });
      expect((error as { reason: unknown }).reason).toBeInstanceOf(Error);
    }
    expect(store.actorRef?.getSnapshot().context.record).toBeNull();
  });

  it('never resolves buildAndStore with a token that a crash after the reply has already wiped', async () => {
    const { supervisor, store, entropy } = superviseStore();
    const call = store.buildAndStore();
    // The reply is in; the store dies before the caller resumes.
    entropy.arm();
    liveStore(supervisor.actorRef).send({ type: 'BUILD' });
    await expect(call).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', operation: 'buildAndStore' });
  });

  it('keeps the store active and its token valid after a BUILD without replyTo, one with a stopped replyTo, and a DELETE without token', async () => {
    const { supervisor, store } = superviseStore();
    const token = await store.buildAndStore();
    const stoppedInbox = startLink({ name: 'a-stopped-actor' });
    const stoppedRef = stoppedInbox.actorRef as AnyActorRef;
    await stoppedInbox.stop();
    const live = liveStore(supervisor.actorRef);
    live.send({ type: 'DELETE' } as never);
    expect(store.lookup(token).ok).toBe(true);
    live.send({ type: 'BUILD' });
    live.send({ type: 'BUILD', replyTo: stoppedRef, requestId: 1 });
    expect(live.getSnapshot().status).toBe('active');
    expect(liveStore(supervisor.actorRef)).toBe(live);
    expect(live.getSnapshot().context.generation).toBe(3);
  });

  it('restarts the store after a DELETE whose token getter throws: the old token is refused, a new one works, nothing throws', async () => {
    const { supervisor, store } = superviseStore();
    const token = await store.buildAndStore();
    const crashed = liveStore(supervisor.actorRef);
    const hostile = Object.defineProperty({ type: 'DELETE' }, 'token', {
      enumerable: true,
      get() {
        throw new Error('token getter throws');
      },
    });
    expect(() => crashed.send(hostile as never)).not.toThrow();
    expect(crashed.getSnapshot().status).toBe('error');
    expect(crashed.getSnapshot().error).toMatchObject({ code: 'ERR_EVENT_UNREADABLE' });
    const restarted = liveStore(supervisor.actorRef);
    expect(restarted).not.toBe(crashed);
    expect(restarted.getSnapshot().status).toBe('active');
    expect(store.lookup(token)).toEqual({ ok: false });
    expect(TokenStore.lookup(token)).toEqual({ ok: false });
    const fresh = await store.buildAndStore();
    expect(store.lookup(fresh).ok).toBe(true);
  });

  it('gives up after more than maxRestarts crashes in maxSeconds, freeing the name and reporting why', async () => {
    const clock = manualClock();
    const { supervisor, store, entropy } = superviseStore({}, { now: clock.now, maxRestarts: 2, maxSeconds: 1 });
    entropy.arm(3);
    for (const ms of [0, 500, 1000]) {
      clock.set(ms);
      await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    }
    const exit = await supervisor.exited;
    expect(exit).toMatchObject({ reason: 'failed', error: { code: 'ERR_RESTART_INTENSITY', childId: NAME, maxRestarts: 2 } });
    expect(whereis(NAME)).toBeUndefined();
    expect(store.lookup(Buffer.alloc(32))).toEqual({ ok: false });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(TokenStore.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('reports start, exit and restart with its reason on the audit trail', async () => {
    const events: AuditEvent[] = [];
    const entropy = crashableEntropy();
    const supervisor = supervise({ children: [childSpec({ randomBytes: entropy.randomBytes, onAudit: (e) => events.push(e) })] });
    entropy.arm();
    await expect(supervisor.store().buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(events.map((event) => event.type)).toEqual(['store.started', 'store.exited', 'store.restarted']);
    expect(events[2]).toMatchObject({ name: NAME, reason: 'Error' });
  });

  it('refuses a store name already taken with ERR_ALREADY_STARTED and starts nothing', async () => {
    const standalone = startLink({ name: 'taken' });
    try {
      expect(() => supervise({ children: [childSpec({ name: 'free' }), childSpec({ name: 'taken' })] })).toThrow(
        expect.objectContaining({ code: 'ERR_ALREADY_STARTED' }),
      );
      expect(whereis('free')).toBeUndefined();
      expect(whereis('taken')).toBe(standalone);
    } finally {
      await standalone.stop();
    }
  });

  it("never lets a crashed instance's expiry timer act on its successor", async () => {
    jest.useFakeTimers();
    try {
      const clock = manualClock();
      const { supervisor, store, entropy } = superviseStore({ ttlMs: 1000, monotonicNow: clock.now });
      await store.buildAndStore();
      clock.set(500);
      await jest.advanceTimersByTimeAsync(500);
      entropy.arm();
      liveStore(supervisor.actorRef).send({ type: 'BUILD' });
      const successor = await store.buildAndStore();
      expect(store.actorRef?.getSnapshot().context.record?.generation).toBe(1);
      clock.set(1000);
      await jest.advanceTimersByTimeAsync(500);
      expect(store.lookup(successor).ok).toBe(true);
      clock.set(1500);
      await jest.advanceTimersByTimeAsync(500);
      expect(store.lookup(successor)).toEqual({ ok: false });
    } finally {
      jest.useRealTimers();
    }
  });

  it('passes its inspect option to every actor it starts, restarted ones included', () => {
    // Sanitized by default: the observer sees views of the actors, told apart by session id.
    const inspected = new Set<string>();
    const entropy = crashableEntropy();
    const supervisor = supervise({
      children: [childSpec({ randomBytes: entropy.randomBytes })],
      inspect: (event) => inspected.add(event.actorRef.sessionId),
    });
    const first = liveStore(supervisor.actorRef);
    entropy.arm();
    first.send({ type: 'BUILD' });
    const second = liveStore(supervisor.actorRef);
    expect(inspected).toEqual(new Set([supervisor.actorRef, first, second].map((actor) => actor.sessionId)));
  });

  it('hands inspect the actors themselves only with unsafeRawInspection', () => {
    const inspected = new Set<AnyActorRef>();
    const supervisor = supervise({
      children: [childSpec()],
      inspect: (event) => inspected.add(event.actorRef as AnyActorRef),
      unsafeRawInspection: true,
    });
    expect(inspected).toEqual(new Set([supervisor.actorRef, liveStore(supervisor.actorRef)]));
  });
});

describe('Supervisor', () => {
  it('lists its children in start order with their live actors, and counts them', () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' }), childSpec({ name: 'two' })] });
    const children = supervisor.whichChildren();
    expect(children.map((child) => [child.id, child.restart, child.type])).toEqual([
      ['one', 'permanent', 'worker'],
      ['two', 'permanent', 'worker'],
    ]);
    expect(children[0]!.actor).toBe(supervisor.store('one').actorRef);
    expect(supervisor.countChildren()).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
  });

  it('terminates a child until restartChild, with OTP-style refusals', async () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' })] });
    const store = supervisor.store();
    const token = await store.buildAndStore();
    expect(supervisor.terminateChild('one')).toEqual({ ok: true });
    expect(supervisor.terminateChild('one')).toEqual({ ok: false, reason: 'not_running' });
    expect(supervisor.terminateChild('nobody')).toEqual({ ok: false, reason: 'not_found' });
    expect(supervisor.countChildren()).toMatchObject({ specs: 1, active: 0 });
    await expect(store.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    expect(supervisor.restartChild('one')).toEqual({ ok: true });
    expect(supervisor.restartChild('one')).toEqual({ ok: false, reason: 'running' });
    expect(store.lookup(token)).toEqual({ ok: false });
    expect(store.lookup(await store.buildAndStore()).ok).toBe(true);
  });

  it('stops the store when its handle is stopped, as terminateChild', async () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' })] });
    await supervisor.store().stop();
    expect(supervisor.whichChildren()[0]!.actor).toBeUndefined();
  });

  it('stop() ends the children and itself, rejects waiting calls and frees the names', async () => {
    const { supervisor, store } = superviseStore({ name: 'stopping' });
    const stopped = store.actorRef;
    await supervisor.stop();
    expect(stopped?.getSnapshot().status).toBe('stopped');
    expect(await supervisor.exited).toEqual({ reason: 'stopped' });
    expect(whereis('stopping')).toBeUndefined();
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });
});

/** An event whose `field` throws when read. */
function throwsOn(field: string, event: object): object {
  return Object.defineProperty({ ...event }, field, {
    enumerable: true,
    get() {
      throw new Error(`${field} is unreadable`);
    },
  });
}

/** An event whose type is `first` on the first read and whatever `later` gives after it. */
function typeThatChanges(first: string, later: () => string): object {
  let reads = 0;
  return {
    get type() {
      reads += 1;
      return reads === 1 ? first : later();
    },
    actorId: NAME,
  };
}

describe('the supervisor door', () => {
  it.each([
    ['null', null],
    ['an event whose type is not a string', { type: 42 }],
    ['a function carrying the SHUTDOWN type', Object.assign(() => undefined, { type: 'BreakGlass.Supervisor.SHUTDOWN' })],
    ['xstate.stop', { type: 'xstate.stop' }],
    ['a forged GIVE_UP', { type: 'BreakGlass.Supervisor.GIVE_UP', error: new Error('forged') }],
    ['a forged RETRY', { type: 'BreakGlass.Supervisor.RETRY', childIds: null }],
    ['TERMINATE_CHILD without a child id', { type: 'BreakGlass.Supervisor.TERMINATE_CHILD' }],
    ['a forged crash report about a running child', { type: `xstate.error.actor.${NAME}`, actorId: NAME, error: new Error('x') }],
    ['a crash report whose actorId getter throws', throwsOn('actorId', { type: `xstate.error.actor.${NAME}`, error: 1 })],
    ['a crash report whose error getter throws', throwsOn('error', { type: `xstate.error.actor.${NAME}`, actorId: NAME })],
    ['a done report whose output getter throws', throwsOn('output', { type: `xstate.done.actor.${NAME}`, actorId: NAME })],
    ['a report whose type reads as xstate.stop the second time', typeThatChanges(`xstate.error.actor.${NAME}`, () => 'xstate.stop')],
    [
      'a report whose type throws from its second read on',
      typeThatChanges(`xstate.done.actor.${NAME}`, () => {
        throw new Error('later reads throw');
      }),
    ],
  ])('keeps the supervisor and its store running when another actor sends %s', async (_label, event) => {
    const { supervisor, store } = superviseStore();
    const token = await store.buildAndStore();
    const before = liveStore(supervisor.actorRef);
    expect(() => supervisor.actorRef.send(event as never)).not.toThrow();
    expect(supervisor.actorRef.getSnapshot().status).toBe('active');
    expect(liveStore(supervisor.actorRef)).toBe(before);
    expect(store.lookup(token).ok).toBe(true);
  });

  it('still restarts a store that crashes after a forged report, and stops when asked', async () => {
    const { supervisor, store } = superviseStore();
    const old = await store.buildAndStore();
    supervisor.actorRef.send(typeThatChanges(`xstate.error.actor.${NAME}`, () => 'xstate.stop') as never);
    const before = liveStore(supervisor.actorRef);
    liveStore(supervisor.actorRef).send(throwsOn('token', { type: 'DELETE' }) as never);
    expect(liveStore(supervisor.actorRef)).not.toBe(before);
    expect(store.lookup(old).ok).toBe(false);
    expect((await store.buildAndStore()).length).toBe(32);
    await supervisor.stop();
    expect(supervisor.actorRef.getSnapshot().status).toBe('done');
  });

  it("takes a crash's reason from the child, not from a report forged while it fails", async () => {
    let otherStopped = false;
    const other = fromCallback(() => () => void (otherStopped = true));
    const supervisor = supervise({ maxRestarts: 1, children: [childSpec(), { id: 'other', logic: other }] });
    const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } });
    const crash = () => {
      const actor = supervisor.store().actorRef!;
      // XState tells the child's observers before the parent: this report lands first.
      actor.subscribe({ error: () => supervisor.actorRef.send({ type: `xstate.error.actor.${NAME}`, error: hostile } as never) });
      actor.send(throwsOn('token', { type: 'CONSUME' }) as never);
    };
    crash();
    crash();
    const exit = await supervisor.exited;
    expect(exit).toMatchObject({ reason: 'failed', error: { code: 'ERR_RESTART_INTENSITY', childId: NAME } });
    expect(String((exit as { error: Error }).error.message)).toContain('ERR_EVENT_UNREADABLE');
    expect(otherStopped).toBe(true);
  });

  it('keeps the store running when another actor sends it xstate.stop', async () => {
    const { supervisor, store } = superviseStore();
    const token = await store.buildAndStore();
    liveStore(supervisor.actorRef).send({ type: 'xstate.stop' } as never);
    expect(supervisor.countChildren().active).toBe(1);
    expect(store.lookup(token).ok).toBe(true);
  });
});
