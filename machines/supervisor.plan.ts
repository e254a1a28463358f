import type { AnyActorRef } from 'xstate';
import { NameConflictError, RestartIntensityError } from '../src/errors';
import type {
  ChildDoneEvent,
  ChildErrorEvent,
  ChildFailure,
  ResolvedChildSpec,
  RestartType,
  SupervisorContext,
} from './supervisor.protocol';
import { addRestart } from './supervisor.settings';

/** What the supervisor sees of the world when it decides: its committed children and the system's names. */
export interface SupervisionView {
  readonly children: Readonly<Record<string, AnyActorRef | undefined>>;
  readonly holderOf: (systemId: string) => AnyActorRef | undefined;
}

/** What one transition does: update context, stop children (in this order), spawn children (in this order), and then maybe retry or give up. */
export interface SupervisionPlan {
  readonly context: Partial<SupervisorContext>;
  readonly stop: readonly string[];
  readonly spawn: readonly ResolvedChildSpec[];
  readonly retry: readonly string[] | null;
  readonly giveUp: RestartIntensityError | null;
}

const NOTHING: SupervisionPlan = { context: {}, stop: [], spawn: [], retry: null, giveUp: null };

/** Whether a child that ended should be started again, by its restart type and how it ended. */
export function shouldRestart(restart: RestartType, crashed: boolean): boolean {
  return restart === 'permanent' || (restart === 'transient' && crashed);
}

/** Ids of the children that should be running: every spec not terminated on request, in start order. */
export function liveIds(context: Pick<SupervisorContext, 'specs' | 'terminated'>): string[] {
  return context.specs.filter((spec) => !context.terminated.includes(spec.id)).map((spec) => spec.id);
}

function specOf(specs: readonly ResolvedChildSpec[], id: string): ResolvedChildSpec | undefined {
  return specs.find((spec) => spec.id === id);
}

/** The specs whose ids are among `ids`, in start order. */
function specsAmong(specs: readonly ResolvedChildSpec[], ids: readonly string[]): ResolvedChildSpec[] {
  return specs.filter((spec) => ids.includes(spec.id));
}

/** Running children among `ids`, last started first: the order OTP shuts children down in. */
function inReverse(ids: readonly string[], view: SupervisionView): string[] {
  return ids.filter((id) => view.children[id] !== undefined).reverse();
}

/**
 * Spawns `specs` in order. A system id still held by an actor other than the
 * instance being replaced would make XState throw inside the supervisor, so the
 * start stops there and the rest is retried through the mailbox, each retry
 * counting as a restart, as OTP's `try_again_restart`.
 */
function spawnInOrder(specs: readonly ResolvedChildSpec[], view: SupervisionView) {
  const spawn: ResolvedChildSpec[] = [];
  for (const [index, spec] of specs.entries()) {
    // Stryker disable next-line ConditionalExpression: equivalent, XState registers no actor under an undefined system id, so asking for one answers undefined too
    const holder = spec.systemId === undefined ? undefined : view.holderOf(spec.systemId);
    if (holder !== undefined && holder !== view.children[spec.id]) {
      const lastFailure: ChildFailure = { childId: spec.id, reason: new NameConflictError(spec.systemId as string) };
      return { spawn, retry: specs.slice(index).map((waiting) => waiting.id), lastFailure };
    }
    spawn.push(spec);
  }
  return { spawn, retry: null, lastFailure: undefined };
}

/** Counts a restart; past the limit, stops every child and gives up with the last failure. */
function countRestart(context: SupervisorContext, failure: ChildFailure, view: SupervisionView): SupervisionPlan | number[] {
  const { now, maxSeconds, maxRestarts } = context.settings;
  const restarts = addRestart(context.restarts, now(), maxSeconds);
  if (restarts.length <= maxRestarts) return restarts;
  const giveUp = new RestartIntensityError(failure.childId, failure.reason, maxRestarts, maxSeconds);
  return { ...NOTHING, context: { restarts, lastFailure: failure }, stop: inReverse(liveIds(context), view), giveUp };
}

/** The supervisor's first start: every child, in order. */
export function planStartAll(context: SupervisorContext, view: SupervisionView): SupervisionPlan {
  const { spawn, retry, lastFailure } = spawnInOrder(specsAmong(context.specs, liveIds(context)), view);
  return { ...NOTHING, context: lastFailure ? { lastFailure } : {}, spawn, retry };
}

/** A child crashed or reached a final state: restart by type and strategy, or give up. */
export function planChildExit(context: SupervisorContext, event: ChildErrorEvent | ChildDoneEvent, view: SupervisionView): SupervisionPlan {
  const id = event.actorId;
  const spec = specOf(context.specs, id);
  const current = view.children[id];
  // A report from an instance already replaced or stopped must never touch its successor.
  // Stryker disable next-line ConditionalExpression: equivalent, every child has a spec, so an id without one has no child and the next check answers the same
  if (spec === undefined) return NOTHING;
  if (current === undefined || current.getSnapshot().status === 'active') return NOTHING;
  // How the child ended is read from the child, not from the report (see the reason below).
  const crashed = current.getSnapshot().status === 'error';
  if (!shouldRestart(spec.restart, crashed)) {
    const kept = spec.restart === 'temporary'
      ? { specs: context.specs.filter((s) => s !== spec) }
      : { terminated: [...context.terminated, id] };
    return { ...NOTHING, context: kept, stop: [id] };
  }
  // The reason is the one the child itself recorded, never what the report says: a report
  // can be sent by anyone, even while the child is failing and before its own report arrives.
  const failure: ChildFailure = { childId: id, reason: crashed ? current.getSnapshot().error : 'normal' };
  const counted = countRestart(context, failure, view);
  if (!Array.isArray(counted)) return counted;
  const live = liveIds(context);
  const affected =
    context.settings.strategy === 'one_for_one' ? [id]
    : context.settings.strategy === 'one_for_all' ? live
    : live.slice(live.indexOf(id));
  // Temporary siblings taken down by the strategy are not brought back, as in OTP (the child
  // that ended is not temporary here: a temporary child is never restarted).
  const dropped = specsAmong(context.specs, affected).filter((s) => s.restart === 'temporary').map((s) => s.id);
  const specs = context.specs.filter((s) => !dropped.includes(s.id));
  const started = spawnInOrder(specsAmong(specs, affected), view);
  return {
    context: { restarts: counted, lastFailure: started.lastFailure ?? failure, specs },
    stop: inReverse(affected, view),
    spawn: started.spawn,
    retry: started.retry,
    giveUp: null,
  };
}

/** A restart that was blocked: count it again, then try the children still waiting. */
export function planRetry(context: SupervisorContext, childIds: readonly string[], view: SupervisionView): SupervisionPlan {
  // A retry is only ever planned together with the failure that blocked it (see spawnInOrder),
  // and nothing clears that failure again.
  const failure = context.lastFailure as ChildFailure;
  const counted = countRestart(context, failure, view);
  if (!Array.isArray(counted)) return counted;
  const live = liveIds(context);
  const waiting = childIds.filter((id) => view.children[id] === undefined && live.includes(id));
  const started = spawnInOrder(specsAmong(context.specs, waiting), view);
  const lastFailure = started.lastFailure ?? failure;
  return { ...NOTHING, context: { restarts: counted, lastFailure }, spawn: started.spawn, retry: started.retry };
}

/** Stops one child on request; it stays down (a temporary one is forgotten). */
export function planTerminate(context: SupervisorContext, childId: string, view: SupervisionView): SupervisionPlan {
  const spec = specOf(context.specs, childId);
  // Stryker disable next-line ConditionalExpression: equivalent, every child has a spec, so an id without one has no child and the next check answers the same
  if (spec === undefined) return NOTHING;
  if (view.children[childId] === undefined) return NOTHING;
  const kept = spec.restart === 'temporary'
    ? { specs: context.specs.filter((s) => s !== spec) }
    : { terminated: [...context.terminated, childId] };
  return { ...NOTHING, context: kept, stop: [childId] };
}

/** Starts a terminated child again; a held system id leaves it down, with no retry. */
export function planRestartChild(context: SupervisorContext, childId: string, view: SupervisionView): SupervisionPlan {
  if (!context.terminated.includes(childId)) return NOTHING;
  const started = spawnInOrder(specsAmong(context.specs, [childId]), view);
  if (started.lastFailure !== undefined) return { ...NOTHING, context: { lastFailure: started.lastFailure } };
  return { ...NOTHING, context: { terminated: context.terminated.filter((id) => id !== childId) }, spawn: started.spawn };
}

/** Stops every child, last started first. */
export function planShutdown(context: SupervisorContext, view: SupervisionView): SupervisionPlan {
  return { ...NOTHING, stop: inReverse(liveIds(context), view) };
}
