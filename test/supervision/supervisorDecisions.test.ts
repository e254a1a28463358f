import { assign, createActor, setup, spawnChild, type AnyActorRef } from 'xstate';
import { supervisorMachine, type SupervisedChildSpec } from '../../src';
import { child, childrenOf, grabberMachine, manualClock, startSupervisorActor, stopAfterTest, stopAllActors, workerMachine, type SupervisorActor } from './support';

afterEach(() => {
  stopAllActors();
});

function worker(id: string, extra: Partial<SupervisedChildSpec> = {}): SupervisedChildSpec {
  return { id, logic: workerMachine, systemId: `test.${id}`, ...extra };
}

function terminate(actor: SupervisorActor, childId: string) {
  actor.send({ type: 'BreakGlass.Supervisor.TERMINATE_CHILD', childId });
}

function restart(actor: SupervisorActor, childId: string) {
  actor.send({ type: 'BreakGlass.Supervisor.RESTART_CHILD', childId });
}

/** A child that reaches its final state with an output on FINISH. */
const finishingMachine = setup({ types: { events: {} as { type: 'FINISH' } } }).createMachine({
  initial: 'working',
  states: { working: { on: { FINISH: 'finished' } }, finished: { type: 'final' } },
  output: () => ({ finished: true }),
});

describe('the last failure', () => {
  it("is the crashed child's id and the error it recorded itself", () => {
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('b')] });
    const a = child(actor, 'a');
    a.send({ type: 'CRASH' });
    expect(actor.getSnapshot().context.lastFailure).toEqual({ childId: 'a', reason: a.getSnapshot().error });
    expect((a.getSnapshot().error as Error).message).toBe('worker crashed');
  });

  it("is 'normal' for a permanent child that reached its final state, and so is the reason the supervisor gives up with", () => {
    const { actor, failures } = startSupervisorActor({ children: [worker('a')], maxRestarts: 0, maxSeconds: 2 });
    child(actor, 'a').send({ type: 'FINISH' });
    expect(actor.getSnapshot().context.lastFailure).toEqual({ childId: 'a', reason: 'normal' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'ERR_RESTART_INTENSITY', childId: 'a', lastReason: 'normal', maxRestarts: 0, maxSeconds: 2 });
    expect((failures[0] as Error).message).toBe("child 'a' needed more than 0 restarts in 2 s; last reason: normal");
  });
});

describe('one_for_all', () => {
  it('counts one restart for one crash, with that crash as the last failure, however many siblings it restarts', () => {
    const clock = manualClock(100);
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('b'), worker('c')], strategy: 'one_for_all', now: clock.now });
    const b = child(actor, 'b');
    b.send({ type: 'CRASH' });
    const { restarts, lastFailure } = actor.getSnapshot().context;
    expect(restarts).toEqual([100]);
    expect(lastFailure).toEqual({ childId: 'b', reason: b.getSnapshot().error });
    for (const id of ['a', 'b', 'c']) expect(child(actor, id).getSnapshot().status).toBe('active');
  });

  it('leaves a terminated sibling down when it restarts the others', () => {
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('b'), worker('c')], strategy: 'one_for_all' });
    const [a, c] = [child(actor, 'a'), child(actor, 'c')];
    terminate(actor, 'b');
    a.send({ type: 'CRASH' });
    expect(childrenOf(actor)['b']).toBeUndefined();
    expect(actor.system.get('test.b')).toBeUndefined();
    expect(child(actor, 'a')).not.toBe(a);
    expect(child(actor, 'c')).not.toBe(c);
    expect(actor.getSnapshot().context.terminated).toEqual(['b']);
  });

  it('treats a child restarted on request as live again, and one still terminated as down', () => {
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('b'), worker('c')], strategy: 'one_for_all' });
    terminate(actor, 'a');
    terminate(actor, 'b');
    restart(actor, 'a');
    expect(actor.getSnapshot().context.terminated).toEqual(['b']);
    const [a, c] = [child(actor, 'a'), child(actor, 'c')];
    c.send({ type: 'CRASH' });
    expect(child(actor, 'a')).not.toBe(a);
    expect(child(actor, 'c')).not.toBe(c);
    expect(childrenOf(actor)['b']).toBeUndefined();
    restart(actor, 'b');
    expect(child(actor, 'b').getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().context.terminated).toEqual([]);
  });
});

describe('temporary children under a strategy', () => {
  it('keeps a temporary sibling that one_for_one leaves alone, running and known', () => {
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('t', { restart: 'temporary' })] });
    const t = child(actor, 't');
    child(actor, 'a').send({ type: 'CRASH' });
    expect(child(actor, 't')).toBe(t);
    expect(actor.getSnapshot().context.specs.map((spec) => spec.id)).toEqual(['a', 't']);
  });

  it('keeps a temporary child started before the one rest_for_one restarts, and drops one started after it', () => {
    const { actor } = startSupervisorActor({
      children: [worker('t1', { restart: 'temporary' }), worker('a'), worker('t2', { restart: 'temporary' })],
      strategy: 'rest_for_one',
    });
    const [t1, t2] = [child(actor, 't1'), child(actor, 't2')];
    child(actor, 'a').send({ type: 'CRASH' });
    expect(child(actor, 't1')).toBe(t1);
    expect(t2.getSnapshot().status).toBe('stopped');
    expect(childrenOf(actor)['t2']).toBeUndefined();
    expect(actor.getSnapshot().context.specs.map((spec) => spec.id)).toEqual(['t1', 'a']);
  });
});

describe('TERMINATE_CHILD', () => {
  it('changes nothing for an unknown child or one already down', () => {
    const { actor, failures } = startSupervisorActor({ children: [worker('a'), worker('b')] });
    terminate(actor, 'nobody');
    expect(actor.getSnapshot().status).toBe('active');
    terminate(actor, 'a');
    const b = child(actor, 'b');
    const context = actor.getSnapshot().context;
    terminate(actor, 'a');
    expect(actor.getSnapshot().context).toEqual(context);
    expect(actor.getSnapshot().context.terminated).toEqual(['a']);
    expect(child(actor, 'b')).toBe(b);
    expect(failures).toEqual([]);
  });

  it('forgets a temporary child: it leaves the specs and is not terminated', () => {
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('t', { restart: 'temporary' })] });
    const t = child(actor, 't');
    terminate(actor, 't');
    expect(t.getSnapshot().status).toBe('stopped');
    expect(actor.getSnapshot().context.specs.map((spec) => spec.id)).toEqual(['a']);
    expect(actor.getSnapshot().context.terminated).toEqual([]);
    restart(actor, 't');
    expect(childrenOf(actor)['t']).toBeUndefined();
  });
});

describe('RESTART_CHILD', () => {
  it('changes nothing for a running child, an unknown one, or one that was never terminated', () => {
    const { actor, failures } = startSupervisorActor({ children: [worker('a'), worker('b', { restart: 'temporary' })] });
    const a = child(actor, 'a');
    const context = actor.getSnapshot().context;
    restart(actor, 'a');
    restart(actor, 'nobody');
    expect(child(actor, 'a')).toBe(a);
    expect(actor.system.get('test.a')).toBe(a);
    expect(actor.getSnapshot().context).toEqual(context);
    expect(failures).toEqual([]);
  });

  it('leaves a child down and terminated while another actor holds its system id, counting no restart; it starts once the name is free', () => {
    const { actor, failures } = startSupervisorActor({ children: [worker('a'), { id: 'grabber', logic: grabberMachine }] });
    terminate(actor, 'a');
    child(actor, 'grabber').send({ type: 'GRAB' });
    const holder = actor.system.get('test.a') as AnyActorRef;
    restart(actor, 'a');
    expect(childrenOf(actor)['a']).toBeUndefined();
    expect(actor.system.get('test.a')).toBe(holder);
    const { terminated, restarts, lastFailure } = actor.getSnapshot().context;
    expect(terminated).toEqual(['a']);
    expect(restarts).toEqual([]);
    expect(lastFailure).toMatchObject({ childId: 'a', reason: { code: 'ERR_NAME_CONFLICT', systemId: 'test.a' } });
    child(actor, 'grabber').send({ type: 'RELEASE' });
    restart(actor, 'a');
    expect(actor.system.get('test.a')).toBe(child(actor, 'a'));
    expect(actor.getSnapshot().context.terminated).toEqual([]);
    expect(failures).toEqual([]);
  });
});

describe('exit reports', () => {
  it('ignores a report about a child that is down, forged by another actor', () => {
    const { actor, failures } = startSupervisorActor({ children: [worker('a'), worker('b')] });
    terminate(actor, 'a');
    const context = actor.getSnapshot().context;
    actor.send({ type: 'xstate.error.actor.a', error: new Error('forged') } as never);
    actor.send({ type: 'xstate.done.actor.a' } as never);
    expect(actor.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().context).toEqual(context);
    expect(childrenOf(actor)['a']).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it("reach the supervisor's transition with the child's id, its error or its output", () => {
    const processed: { actor: unknown; event: { type: string } }[] = [];
    const { actor } = startSupervisorActor(
      { children: [worker('a'), { id: 'f', logic: finishingMachine, restart: 'transient' }] },
      (event) => {
        if (event.type === '@xstate.snapshot') processed.push({ actor: event.actorRef, event: event.event });
      },
    );
    const a = child(actor, 'a');
    a.send({ type: 'CRASH' });
    child(actor, 'f').send({ type: 'FINISH' });
    const reports = processed.flatMap((entry) => (entry.actor === actor && entry.event.type !== 'xstate.init' ? [entry.event] : []));
    expect(reports).toEqual([
      { type: 'xstate.error.actor.a', actorId: 'a', error: a.getSnapshot().error },
      { type: 'xstate.done.actor.f', actorId: 'f', output: { finished: true } },
    ]);
    expect((reports[0] as unknown as { error: unknown }).error).toBe(a.getSnapshot().error);
  });
});

describe('the door', () => {
  it.each([
    ['TERMINATE_CHILD', 1],
    ['TERMINATE_CHILD', { toString: () => 'a' }],
    ['RESTART_CHILD', null],
  ])('drops a %s whose childId %p is not a string before the supervisor sees it', (kind, childId) => {
    const { actor } = startSupervisorActor({ children: [worker('a')] });
    terminate(actor, 'a');
    const before = actor.getSnapshot();
    actor.send({ type: `BreakGlass.Supervisor.${kind}`, childId } as never);
    expect(actor.getSnapshot()).toBe(before);
  });
});

describe('SHUTDOWN', () => {
  it('stops the children last started first, and starts none', () => {
    const stopped: string[] = [];
    const started: string[] = [];
    const { actor } = startSupervisorActor({ children: [worker('a'), worker('b'), worker('c')] }, (event) => {
      if (event.type === '@xstate.actor') started.push((event.actorRef as AnyActorRef).id);
    });
    const refs = ['a', 'b', 'c'].map((id) => child(actor, id));
    for (const ref of refs) ref.subscribe({ complete: () => stopped.push(ref.id) });
    started.length = 0;
    actor.send({ type: 'BreakGlass.Supervisor.SHUTDOWN' });
    expect(stopped).toEqual(['c', 'b', 'a']);
    expect(started).toEqual([]);
    expect(actor.getSnapshot().status).toBe('done');
  });
});

describe('a system id held when the supervisor first starts', () => {
  function parentWith(children: SupervisedChildSpec[], maxRestarts: number) {
    return setup({
      types: { context: {} as { failure: unknown } },
      actors: { supervisor: supervisorMachine, worker: workerMachine },
    }).createMachine({
      context: { failure: undefined },
      entry: [
        spawnChild('worker', { id: 'impostor', systemId: 'test.b' }),
        spawnChild('supervisor', { id: 'supervisor', input: { children, maxRestarts } }),
      ],
      on: { 'xstate.error.actor.supervisor': { actions: assign({ failure: ({ event }) => (event as unknown as { error: unknown }).error }) } },
    });
  }

  it('starts the children before it, retries the rest and gives up with ERR_NAME_CONFLICT as the last reason', () => {
    const parent = createActor(parentWith([worker('a'), worker('b'), worker('c')], 0));
    stopAfterTest(parent);
    parent.start();
    const failure = parent.getSnapshot().context.failure as { code: string; childId: string; lastReason: { code: string; systemId: string } };
    expect(failure).toMatchObject({ code: 'ERR_RESTART_INTENSITY', childId: 'b', lastReason: { code: 'ERR_NAME_CONFLICT', systemId: 'test.b' } });
    const supervisor = (parent.getSnapshot().children as Record<string, AnyActorRef>)['supervisor']!;
    expect(supervisor.getSnapshot().status).toBe('error');
    expect(parent.system.get('test.a')).toBeUndefined();
    expect(parent.system.get('test.c')).toBeUndefined();
    expect((parent.system.get('test.b') as AnyActorRef).id).toBe('impostor');
  });
});
