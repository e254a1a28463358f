import { createActor, type AnyActorRef } from 'xstate';
import {
  liveIds,
  planRetry,
  planShutdown,
  planStartAll,
  shouldRestart,
  type SupervisionView,
} from '../../machines/supervisor.plan';
import type { ChildFailure, SupervisorContext } from '../../machines/supervisor.protocol';
import { resolveSupervisorInput } from '../../machines/supervisor.settings';
import { NameConflictError, RestartIntensityError } from '../../src';
import { workerMachine } from './support';

// The plan is what one supervisor transition does: these tests give it a context and a
// view of the world (real, running worker actors) and check the whole plan it returns.

const started: AnyActorRef[] = [];

afterEach(() => {
  for (const actor of started.splice(0)) actor.stop();
});

function running(): AnyActorRef {
  const actor = createActor(workerMachine).start();
  started.push(actor);
  return actor;
}

function contextOf(ids: string[], extra: Partial<SupervisorContext> = {}): SupervisorContext {
  const { specs, settings } = resolveSupervisorInput({
    children: ids.map((id) => ({ id, logic: workerMachine, systemId: `test.${id}` })),
    maxRestarts: 2,
    maxSeconds: 1,
    now: () => 5000,
  });
  return { specs, settings, terminated: [], restarts: [], lastFailure: null, ...extra };
}

function viewOf(children: Record<string, AnyActorRef>, holders: Record<string, AnyActorRef> = {}): SupervisionView {
  return { children, holderOf: (systemId) => holders[systemId] };
}

function specsOf(context: SupervisorContext, ...ids: string[]) {
  return ids.map((id) => context.specs.find((spec) => spec.id === id));
}

describe('shouldRestart() and liveIds()', () => {
  it('restart permanent children always, transient ones after a crash, temporary ones never', () => {
    expect([true, false].map((crashed) => shouldRestart('permanent', crashed))).toEqual([true, true]);
    expect([true, false].map((crashed) => shouldRestart('transient', crashed))).toEqual([true, false]);
    expect([true, false].map((crashed) => shouldRestart('temporary', crashed))).toEqual([false, false]);
  });

  it('count every child not terminated on request as live, in start order', () => {
    expect(liveIds(contextOf(['a', 'b', 'c'], { terminated: ['c', 'a'] }))).toEqual(['b']);
    expect(liveIds(contextOf(['a', 'b', 'c']))).toEqual(['a', 'b', 'c']);
  });
});

describe('planStartAll()', () => {
  it('spawns every live child in order', () => {
    const context = contextOf(['a', 'b', 'c'], { terminated: ['b'] });
    expect(planStartAll(context, viewOf({}))).toEqual({ context: {}, stop: [], spawn: specsOf(context, 'a', 'c'), retry: null, giveUp: null });
  });

  it('stops at the first child whose system id another actor holds, and retries it and every child after it', () => {
    const context = contextOf(['a', 'b', 'c']);
    const plan = planStartAll(context, viewOf({}, { 'test.b': running() }));
    expect(plan).toEqual({
      context: { lastFailure: { childId: 'b', reason: new NameConflictError('test.b') } },
      stop: [],
      spawn: specsOf(context, 'a'),
      retry: ['b', 'c'],
      giveUp: null,
    });
    expect((plan.context.lastFailure as ChildFailure).reason).toBeInstanceOf(NameConflictError);
  });
});

describe('planShutdown()', () => {
  it('stops the running live children, last started first, and only those', () => {
    const [a, c] = [running(), running()];
    const context = contextOf(['a', 'b', 'c', 'd'], { terminated: ['d'] });
    expect(planShutdown(context, viewOf({ a, c }))).toEqual({ context: {}, stop: ['c', 'a'], spawn: [], retry: null, giveUp: null });
  });
});

describe('planRetry()', () => {
  const blocked: ChildFailure = { childId: 'c', reason: new NameConflictError('test.c') };

  it('counts a restart and spawns the waiting children that are down and live, keeping the last failure', () => {
    const context = contextOf(['a', 'b', 'c', 'd'], { terminated: ['b'], restarts: [4500], lastFailure: blocked });
    const plan = planRetry(context, ['a', 'b', 'c', 'd'], viewOf({ a: running() }));
    expect(plan).toEqual({
      context: { restarts: [5000, 4500], lastFailure: blocked },
      stop: [],
      spawn: specsOf(context, 'c', 'd'),
      retry: null,
      giveUp: null,
    });
    expect(plan.context.lastFailure).toBe(blocked);
  });

  it('retries again from a child whose system id is still held, with that conflict as the last failure', () => {
    const context = contextOf(['a', 'b', 'c', 'd'], { lastFailure: blocked });
    const plan = planRetry(context, ['c', 'd'], viewOf({ a: running(), b: running() }, { 'test.d': running() }));
    expect(plan).toEqual({
      context: { restarts: [5000], lastFailure: { childId: 'd', reason: new NameConflictError('test.d') } },
      stop: [],
      spawn: specsOf(context, 'c'),
      retry: ['d'],
      giveUp: null,
    });
  });

  it('gives up with the blocked failure past maxRestarts in the window, stopping the running children last started first', () => {
    const [a, b] = [running(), running()];
    const context = contextOf(['a', 'b', 'c'], { restarts: [4800, 4000], lastFailure: blocked });
    const plan = planRetry(context, ['c'], viewOf({ a, b }));
    expect(plan).toEqual({
      context: { restarts: [5000, 4800, 4000], lastFailure: blocked },
      stop: ['b', 'a'],
      spawn: [],
      retry: null,
      giveUp: new RestartIntensityError('c', blocked.reason, 2, 1),
    });
    expect(plan.giveUp).toMatchObject({ childId: 'c', lastReason: blocked.reason, maxRestarts: 2, maxSeconds: 1 });
  });

  it('lets restarts older than the window go', () => {
    const context = contextOf(['a', 'c'], { restarts: [3999, 3000], lastFailure: blocked });
    expect(planRetry(context, ['c'], viewOf({})).context).toEqual({ restarts: [5000], lastFailure: blocked });
  });
});
