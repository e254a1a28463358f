import type { AnyActorRef, InspectionEvent } from 'xstate';
import { child, childrenOf, manualClock, startSupervisorActor, stopAllActors, workerMachine, type SupervisorActor } from './support';

function workers(...ids: string[]) {
  return ids.map((id) => ({ id, logic: workerMachine, systemId: `test.${id}` }));
}

afterEach(() => {
  stopAllActors();
});

describe('supervisorMachine', () => {
  it('restarts only the crashed child under one_for_one, under the same systemId', () => {
    const { actor } = startSupervisorActor({ children: workers('a', 'b') });
    const [a, b] = [child(actor, 'a'), child(actor, 'b')];
    a.send({ type: 'CRASH' });
    expect(child(actor, 'a')).not.toBe(a);
    expect(child(actor, 'a').getSnapshot().status).toBe('active');
    expect(actor.system.get('test.a')).toBe(child(actor, 'a'));
    expect(child(actor, 'b')).toBe(b);
  });

  it('stops every child in reverse order, then starts them all in order, under one_for_all', () => {
    const order: string[] = [];
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.event' && event.event.type === 'xstate.init') order.push(`start ${(event.actorRef as AnyActorRef).id}`);
    };
    const { actor } = startSupervisorActor({ children: workers('a', 'b', 'c'), strategy: 'one_for_all' }, inspect);
    const before = ['a', 'b', 'c'].map((id) => child(actor, id));
    for (const ref of before) ref.subscribe({ complete: () => order.push(`stop ${ref.id}`), error: () => undefined });
    order.length = 0;
    before[1]!.send({ type: 'CRASH' });
    expect(['a', 'b', 'c'].map((id) => child(actor, id)).every((ref, i) => ref !== before[i])).toBe(true);
    expect(before.map((ref) => ref.getSnapshot().status)).toEqual(['stopped', 'error', 'stopped']);
    expect(order).toEqual(['stop c', 'stop a', 'start a', 'start b', 'start c']);
  });

  it('restarts the crashed child and those started after it under rest_for_one', () => {
    const { actor } = startSupervisorActor({ children: workers('a', 'b', 'c'), strategy: 'rest_for_one' });
    const before = ['a', 'b', 'c'].map((id) => child(actor, id));
    before[1]!.send({ type: 'CRASH' });
    const after = ['a', 'b', 'c'].map((id) => child(actor, id));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[2]).not.toBe(before[2]);
    expect(before[2]!.getSnapshot().status).toBe('stopped');
  });

  it('restarts a permanent child that ends normally, and counts it', () => {
    const { actor } = startSupervisorActor({ children: workers('a') });
    const a = child(actor, 'a');
    a.send({ type: 'FINISH' });
    expect(child(actor, 'a')).not.toBe(a);
    expect(actor.getSnapshot().context.restarts).toHaveLength(1);
  });

  it('restarts a transient child after a crash but not after a normal end', () => {
    const { actor } = startSupervisorActor({ children: [{ ...workers('a')[0]!, restart: 'transient' }] });
    const first = child(actor, 'a');
    first.send({ type: 'CRASH' });
    const second = child(actor, 'a');
    expect(second).not.toBe(first);
    second.send({ type: 'FINISH' });
    expect(childrenOf(actor)['a']).toBeUndefined();
    expect(actor.getSnapshot().context.terminated).toEqual(['a']);
    expect(actor.system.get('test.a')).toBeUndefined();
  });

  it('never restarts a temporary child and forgets it, leaving its siblings alone', () => {
    const { actor } = startSupervisorActor({
      children: [{ ...workers('a')[0]!, restart: 'temporary' }, ...workers('b')],
      strategy: 'one_for_all',
    });
    const b = child(actor, 'b');
    child(actor, 'a').send({ type: 'CRASH' });
    expect(childrenOf(actor)['a']).toBeUndefined();
    expect(actor.getSnapshot().context.specs.map((spec) => spec.id)).toEqual(['b']);
    expect(child(actor, 'b')).toBe(b);
    expect(actor.getSnapshot().context.restarts).toHaveLength(0);
  });

  it('does not bring back a temporary sibling that one_for_all took down', () => {
    const { actor } = startSupervisorActor({
      children: [...workers('a'), { ...workers('b')[0]!, restart: 'temporary' }],
      strategy: 'one_for_all',
    });
    const b = child(actor, 'b');
    child(actor, 'a').send({ type: 'CRASH' });
    expect(b.getSnapshot().status).toBe('stopped');
    expect(childrenOf(actor)['b']).toBeUndefined();
    expect(actor.getSnapshot().context.specs.map((spec) => spec.id)).toEqual(['a']);
  });

  describe('restart intensity', () => {
    function crashAt(clock: ReturnType<typeof manualClock>, actor: SupervisorActor, ms: number) {
      clock.set(ms);
      child(actor, 'a').send({ type: 'CRASH' });
    }

    it('keeps going after exactly maxRestarts restarts within the window', () => {
      const clock = manualClock();
      const { actor, failures } = startSupervisorActor({ children: workers('a'), now: clock.now });
      for (const ms of [0, 1000, 2000]) crashAt(clock, actor, ms);
      expect(actor.getSnapshot().status).toBe('active');
      expect(failures).toEqual([]);
    });

    it('gives up on the restart after maxRestarts within maxSeconds, stopping its children first', () => {
      const clock = manualClock();
      const { actor, failures } = startSupervisorActor({ children: workers('a', 'b'), now: clock.now });
      const b = child(actor, 'b');
      for (const ms of [0, 1000, 2000]) crashAt(clock, actor, ms);
      crashAt(clock, actor, 5000);
      expect(actor.getSnapshot().status).toBe('error');
      expect(b.getSnapshot().status).toBe('stopped');
      expect(actor.system.get('test.a')).toBeUndefined();
      expect(actor.system.get('test.b')).toBeUndefined();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ code: 'ERR_RESTART_INTENSITY', childId: 'a', maxRestarts: 3, maxSeconds: 5 });
      expect((failures[0] as { lastReason: Error }).lastReason.message).toBe('worker crashed');
    });

    it('keeps going when the same crashes are spread one millisecond wider than the window', () => {
      const clock = manualClock();
      const { actor, failures } = startSupervisorActor({ children: workers('a'), now: clock.now });
      for (const ms of [0, 1000, 2000, 5001]) crashAt(clock, actor, ms);
      expect(actor.getSnapshot().status).toBe('active');
      expect(failures).toEqual([]);
    });

    it('gives up on the first crash when maxRestarts is 0', () => {
      const { actor, failures } = startSupervisorActor({ children: workers('a'), maxRestarts: 0 });
      child(actor, 'a').send({ type: 'CRASH' });
      expect(actor.getSnapshot().status).toBe('error');
      expect(failures[0]).toMatchObject({ code: 'ERR_RESTART_INTENSITY' });
    });
  });

  it('stops its children last-started first on SHUTDOWN and ends without error', () => {
    const { actor, failures } = startSupervisorActor({ children: workers('a', 'b') });
    const [a, b] = [child(actor, 'a'), child(actor, 'b')];
    actor.send({ type: 'BreakGlass.Supervisor.SHUTDOWN' });
    expect(actor.getSnapshot().status).toBe('done');
    expect([a, b].map((ref) => ref.getSnapshot().status)).toEqual(['stopped', 'stopped']);
    expect(failures).toEqual([]);
  });

  it('keeps a terminated child down until RESTART_CHILD', () => {
    const { actor } = startSupervisorActor({ children: workers('a') });
    actor.send({ type: 'BreakGlass.Supervisor.TERMINATE_CHILD', childId: 'a' });
    expect(childrenOf(actor)['a']).toBeUndefined();
    expect(actor.system.get('test.a')).toBeUndefined();
    actor.send({ type: 'BreakGlass.Supervisor.RESTART_CHILD', childId: 'a' });
    expect(child(actor, 'a').getSnapshot().status).toBe('active');
    expect(actor.system.get('test.a')).toBe(child(actor, 'a'));
  });
  it("hands devtools its definition as 'BreakGlass.Supervisor'", () => {
    // @statelyai/inspect sends the actor's logic config as the machine's definition.
    const definitions: { id?: string }[] = [];
    const { actor } = startSupervisorActor({ children: workers('a') }, (event) => {
      if (event.type === '@xstate.actor') definitions.push((event.actorRef as unknown as { logic: { config: { id?: string } } }).logic.config);
    });
    expect(definitions[0]?.id).toBe('BreakGlass.Supervisor');
    expect(actor.getSnapshot().machine.id).toBe('BreakGlass.Supervisor');
  });
});
