import type { AnyActorRef } from 'xstate';
import { childSpec, startSupervisor, tokenStoreMachine, whereis, type AuditEvent } from '../../src';
import { sealedDigest } from '../../src/lib/sealedToken';
import { rejection } from '../support/rejection';
import { crashableEntropy, grabberMachine, stopAllSupervisors, supervise, workerMachine } from './support';

afterEach(async () => {
  jest.restoreAllMocks();
  await stopAllSupervisors();
});

/** An event whose `token` throws when read: the store fails on it with ERR_EVENT_UNREADABLE. */
function unreadableDelete(): object {
  return Object.defineProperty({ type: 'DELETE' }, 'token', {
    enumerable: true,
    get() {
      throw new Error('token is unreadable');
    },
  });
}

describe('startSupervisor() options', () => {
  it.each(['', 7])('rejects the name %p with a TypeError, and starts nothing', (name) => {
    expect(rejection(() => startSupervisor({ children: [childSpec({ name: 'unstarted' })], name: name as never }))).toEqual({
      type: 'TypeError',
      message: 'options.name must be a non-empty string',
    });
    expect(whereis('unstarted')).toBeUndefined();
  });

  it('uses its name as the id and system id of the supervisor actor', () => {
    const supervisor = supervise({ children: [], name: 'Ops.Supervisor' });
    expect(supervisor.actorRef.id).toBe('Ops.Supervisor');
    expect(supervisor.actorRef.system.get('Ops.Supervisor')).toBe(supervisor.actorRef);
  });

  it("checks a hand-written store child's options as childSpec would", () => {
    const spec = { id: 'hand', logic: tokenStoreMachine, options: { callTimeoutMs: 0 } };
    expect(rejection(() => startSupervisor({ children: [spec] }))).toEqual({
      type: 'RangeError',
      message: 'options.callTimeoutMs must be a positive number of milliseconds',
    });
    expect(whereis('hand')).toBeUndefined();
  });

  it("registers a hand-written store child under its systemId, or under its id when it has none", async () => {
    const supervisor = supervise({
      children: [
        { id: 'named', logic: tokenStoreMachine, systemId: 'Ops.Tokens' },
        { id: 'bare', logic: tokenStoreMachine },
      ],
    });
    expect(supervisor.store('named').name).toBe('Ops.Tokens');
    expect(whereis('Ops.Tokens')).toBe(supervisor.store('named'));
    expect(whereis('named')).toBeUndefined();
    expect(supervisor.store('bare').name).toBe('bare');
    expect(whereis('bare')).toBe(supervisor.store('bare'));
    const token = await supervisor.store('bare').buildAndStore();
    expect(supervisor.store('bare').lookup(token).ok).toBe(true);
  });
});

describe('Supervisor.store()', () => {
  it('answers the only store child without an id, and any store child by its id', () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' }), { id: 'w', logic: workerMachine }] });
    expect(supervisor.store()).toBe(supervisor.store('one'));
    expect(supervisor.store().name).toBe('one');
    expect(rejection(() => supervisor.store('w'))).toEqual({ type: 'RangeError', message: "no token store child 'w'" });
    expect(rejection(() => supervisor.store('nobody'))).toEqual({ type: 'RangeError', message: "no token store child 'nobody'" });
  });

  it('needs an id when there are several store children, and refuses when there is none', () => {
    const two = supervise({ children: [childSpec({ name: 'one' }), childSpec({ name: 'two' })] });
    expect(two.store('two').name).toBe('two');
    expect(two.store('one').name).toBe('one');
    expect(rejection(() => two.store())).toEqual({ type: 'RangeError', message: "no token store child 'undefined'" });
    const none = supervise({ children: [{ id: 'w', logic: workerMachine }], name: 'no-stores' });
    expect(rejection(() => none.store())).toEqual({ type: 'RangeError', message: "no token store child 'undefined'" });
  });
});

describe('Supervisor introspection and control', () => {
  it('counts supervisor children apart from workers', () => {
    const supervisor = supervise({
      children: [childSpec(), { id: 'sub', logic: workerMachine, type: 'supervisor' }, { id: 'w', logic: workerMachine }],
    });
    expect(supervisor.countChildren()).toEqual({ specs: 3, active: 3, supervisors: 1, workers: 2 });
    expect(supervisor.whichChildren().map((child) => child.type)).toEqual(['worker', 'supervisor', 'worker']);
  });

  it('terminates and restarts the child it is asked to, and only that one', () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' }), childSpec({ name: 'two' })] });
    const one = supervisor.store('one').actorRef;
    expect(supervisor.terminateChild('two')).toEqual({ ok: true });
    expect(supervisor.whichChildren().map((child) => [child.id, child.actor !== undefined])).toEqual([
      ['one', true],
      ['two', false],
    ]);
    expect(supervisor.restartChild('nobody')).toEqual({ ok: false, reason: 'not_found' });
    expect(supervisor.restartChild('one')).toEqual({ ok: false, reason: 'running' });
    expect(supervisor.restartChild('two')).toEqual({ ok: true });
    expect(supervisor.store('one').actorRef).toBe(one);
    expect(supervisor.countChildren()).toMatchObject({ specs: 2, active: 2 });
  });

  it("answers name_conflict when another actor holds the child's system id, and restarts it once the name is free", () => {
    const supervisor = supervise({ children: [{ id: 'a', logic: workerMachine, systemId: 'test.a' }, { id: 'grabber', logic: grabberMachine }] });
    const grabber = () => supervisor.whichChildren().find((child) => child.id === 'grabber')!.actor!;
    expect(supervisor.terminateChild('a')).toEqual({ ok: true });
    grabber().send({ type: 'GRAB' });
    expect(supervisor.restartChild('a')).toEqual({ ok: false, reason: 'name_conflict' });
    expect(supervisor.whichChildren()[0]!.actor).toBeUndefined();
    grabber().send({ type: 'RELEASE' });
    expect(supervisor.restartChild('a')).toEqual({ ok: true });
    expect(supervisor.actorRef.system.get('test.a')).toBe(supervisor.whichChildren()[0]!.actor);
  });

  it('shows a crashed child as down before the supervisor has restarted it', () => {
    const entropy = crashableEntropy();
    const supervisor = supervise({ children: [childSpec({ randomBytes: entropy.randomBytes })] });
    const crashing = supervisor.store().actorRef!;
    const inTheGap: unknown[] = [];
    crashing.subscribe({ error: () => inTheGap.push(supervisor.whichChildren()[0]!.actor, supervisor.countChildren().active) });
    entropy.arm();
    crashing.send({ type: 'BUILD' });
    expect(inTheGap).toEqual([undefined, 0]);
    expect(supervisor.countChildren().active).toBe(1);
  });
});

describe("a supervised store's audit trail", () => {
  it("reports start, exit and restart at the store's own clock, with 'stopped' for a child terminated on request", () => {
    const events: AuditEvent[] = [];
    let now = 1000;
    const supervisor = supervise({ children: [childSpec({ name: 'one', now: () => now, onAudit: (event) => events.push(event) })] });
    now = 2000;
    supervisor.terminateChild('one');
    now = 3000;
    supervisor.restartChild('one');
    expect(events).toEqual([
      { type: 'store.started', at: new Date(1000), name: 'one' },
      { type: 'store.exited', at: new Date(2000), name: 'one', reason: 'stopped' },
      { type: 'store.restarted', at: new Date(3000), name: 'one', reason: 'stopped' },
    ]);
  });

  it('names a crash by its code, and sees nothing of a sibling restarting', () => {
    const events: AuditEvent[] = [];
    const supervisor = supervise({ children: [childSpec({ onAudit: (event) => events.push(event) }), { id: 'w', logic: workerMachine }] });
    supervisor.whichChildren()[1]!.actor!.send({ type: 'CRASH' });
    expect(supervisor.whichChildren()[1]!.actor!.getSnapshot().status).toBe('active');
    expect(events.map((event) => event.type)).toEqual(['store.started']);
    supervisor.store().actorRef!.send(unreadableDelete() as never);
    expect(events.slice(1).map((event) => [event.type, (event as { reason?: string }).reason])).toEqual([
      ['store.exited', 'ERR_EVENT_UNREADABLE'],
      ['store.restarted', 'ERR_EVENT_UNREADABLE'],
    ]);
  });

  it('warns about no audit handler when none was given', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const entropy = crashableEntropy();
    const supervisor = supervise({ children: [childSpec({ randomBytes: entropy.randomBytes })] });
    entropy.arm();
    supervisor.store().actorRef!.send({ type: 'BUILD' });
    expect(supervisor.store().actorRef!.getSnapshot().status).toBe('active');
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('calls waiting on a store when its supervisor ends', () => {
  it('reject with the reason stopped when the supervisor is stopped meanwhile, and the token is wiped', async () => {
    const supervisor = supervise({ children: [childSpec()] });
    const store = supervisor.store();
    const live = store.actorRef!;
    // Audit handlers run while the store is busy: the supervisor ends before the store can reply.
    store.on('token.built', () => void supervisor.stop());
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: 'stopped' });
    expect(await supervisor.exited).toEqual({ reason: 'stopped' });
    expect(live.getSnapshot().status).toBe('stopped');
    expect(whereis('BreakGlass.TokenStore')).toBeUndefined();
  });

  it('reject with the reason stopped also when no token is stored', async () => {
    const supervisor = supervise({ children: [childSpec()] });
    const store = supervisor.store();
    store.on('token.cleared', () => void supervisor.stop());
    await expect(store.clear()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: 'stopped' });
    expect(await supervisor.exited).toEqual({ reason: 'stopped' });
    expect(store.actorRef).toBeUndefined();
  });

  it("reject with the supervisor's own error when it gives up meanwhile", async () => {
    const supervisor = supervise({ children: [childSpec(), { id: 'w', logic: workerMachine }], maxRestarts: 0 });
    const store = supervisor.store();
    const live = store.actorRef!;
    const sibling = supervisor.whichChildren()[1]!.actor as AnyActorRef;
    store.on('token.built', () => sibling.send({ type: 'CRASH' }));
    const call = store.buildAndStore();
    const exit = await supervisor.exited;
    expect(exit).toMatchObject({ reason: 'failed', error: { code: 'ERR_RESTART_INTENSITY', childId: 'w' } });
    await expect(call).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: (exit as { error: unknown }).error });
    expect(live.getSnapshot().status).toBe('stopped');
  });
});

describe('a supervisor that fails in the middle of a step', () => {
  /** A clock that throws once armed: the supervisor reads it inside its transition when it counts a restart. */
  function breakableClock() {
    let broken = false;
    return {
      now: () => {
        if (broken) throw new Error('clock failed');
        return 0;
      },
      breakIt: () => void (broken = true),
    };
  }

  it('stops the store XState leaves running, wiping its token, and frees its name', async () => {
    const clock = breakableClock();
    const supervisor = supervise({ children: [childSpec(), { id: 'w', logic: workerMachine }], now: clock.now });
    const store = supervisor.store();
    const token = await store.buildAndStore();
    const live = store.actorRef!;
    clock.breakIt();
    supervisor.whichChildren()[1]!.actor!.send({ type: 'CRASH' });
    expect(live.getSnapshot().status).toBe('stopped');
    expect(sealedDigest(live.getSnapshot().context.record?.sealed)).toBeNull();
    expect(store.actorRef).toBeUndefined();
    expect(store.lookup(token)).toEqual({ ok: false });
    expect(whereis('BreakGlass.TokenStore')).toBeUndefined();
    const exit = await supervisor.exited;
    expect(exit).toMatchObject({ reason: 'failed' });
    expect(((exit as { error: unknown }).error as Error).message).toBe('clock failed');
    await expect(store.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('stops an empty store the same way', async () => {
    const clock = breakableClock();
    const supervisor = supervise({ children: [childSpec(), { id: 'w', logic: workerMachine }], now: clock.now });
    const live = supervisor.store().actorRef!;
    clock.breakIt();
    supervisor.whichChildren()[1]!.actor!.send({ type: 'CRASH' });
    expect(live.getSnapshot().status).toBe('stopped');
    expect(supervisor.store().actorRef).toBeUndefined();
    expect(await supervisor.exited).toMatchObject({ reason: 'failed' });
  });
});

describe('a supervised store handle across odd restarts', () => {
  it('follows the successor when one_for_all restarts the store while it is busy, and its late exit changes nothing', async () => {
    const supervisor = supervise({ children: [childSpec(), { id: 'w', logic: workerMachine }], strategy: 'one_for_all' });
    const store = supervisor.store();
    const first = store.actorRef!;
    const sibling = supervisor.whichChildren()[1]!.actor as AnyActorRef;
    // Handled while the store is busy building: it is stopped only once that build is done.
    const subscription = store.on('token.built', () => {
      subscription.unsubscribe();
      sibling.send({ type: 'CRASH' });
    });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: 'stopped' });
    expect(first.getSnapshot().status).toBe('stopped');
    const successor = supervisor.whichChildren()[0]!.actor;
    expect(successor).not.toBe(first);
    expect(store.actorRef).toBe(successor);
    expect(store.lookup(await store.buildAndStore()).ok).toBe(true);
  });

  it('lets go of a store terminated while it is busy at once, before the store gets to stop', async () => {
    const supervisor = supervise({ children: [childSpec({ name: 'one' })] });
    const store = supervisor.store();
    const busy = store.actorRef!;
    const seen: unknown[] = [];
    const subscription = store.on('token.built', () => {
      subscription.unsubscribe();
      seen.push(supervisor.terminateChild('one'), store.actorRef, busy.getSnapshot().status);
    });
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED', reason: 'stopped' });
    expect(seen).toEqual([{ ok: true }, undefined, 'active']);
    expect(busy.getSnapshot().status).toBe('stopped');
    expect(supervisor.restartChild('one')).toEqual({ ok: true });
    expect(store.lookup(await store.buildAndStore()).ok).toBe(true);
  });

  it('reports one start for a store that crashes before its handle ever saw it running', () => {
    const refs = new Map<string, AnyActorRef>();
    const events: AuditEvent[] = [];
    const crashOther = (event: AuditEvent) => {
      if (event.type === 'store.started') refs.get('B')?.send(unreadableDelete() as never);
    };
    const supervisor = supervise({
      children: [childSpec({ name: 'A', onAudit: crashOther }), childSpec({ name: 'B', onAudit: (event) => events.push(event) })],
      inspect: (event) => {
        const actor = event.actorRef as AnyActorRef;
        // The first instance of each: a restarted one has the same id.
        if (event.type === '@xstate.actor' && !refs.has(actor.id)) refs.set(actor.id, actor);
      },
      unsafeRawInspection: true,
    });
    const b = supervisor.store('B');
    expect(refs.get('B')!.getSnapshot().status).toBe('error');
    expect(b.actorRef).not.toBe(refs.get('B'));
    expect(b.actorRef!.getSnapshot().status).toBe('active');
    expect(events.map((event) => event.type)).toEqual(['store.started']);
  });
});
