import { enqueueActions, setup, type AnyActorRef } from 'xstate';
import {
  planChildExit,
  planRestartChild,
  planRetry,
  planShutdown,
  planStartAll,
  planTerminate,
  type SupervisionPlan,
  type SupervisionView,
} from './supervisor.plan';
import type {
  ChildDoneEvent,
  ChildErrorEvent,
  GiveUpEvent,
  ResolvedChildSpec,
  SupervisorContext,
  SupervisorEvent,
  SupervisorInput,
} from './supervisor.protocol';
import { resolveSupervisorInput } from './supervisor.settings';
import { eventType, withDoor } from './door';

// RETRY and GIVE_UP events this module created. The supervisor sends them to
// itself through its mailbox; a look-alike from another actor could burn its
// restart budget or make it fail, so only these are let in.
const ownEvents = new WeakSet<object>();

function own<E extends object>(event: E): E {
  // Frozen, as the store's expiry: an own event can be caught in flight and sent again.
  const frozen = Object.freeze(event);
  ownEvents.add(frozen);
  return frozen;
}

const ERROR_REPORT = 'xstate.error.actor.';
const DONE_REPORT = 'xstate.done.actor.';

/**
 * A child's exit report, copied once: the child's id comes from the type itself, and
 * the reason or output is read a single time, so a getter or Proxy sent by another
 * actor cannot answer differently (or throw) inside the transition. Whether the
 * child really ended is for the plan to check against the child itself.
 */
function childReport(type: string, fields: Record<string, unknown>): object | undefined {
  if (type.startsWith(ERROR_REPORT)) {
    return { type, actorId: type.slice(ERROR_REPORT.length), error: readSafely(() => fields.error) };
  }
  if (type.startsWith(DONE_REPORT)) {
    return { type, actorId: type.slice(DONE_REPORT.length), output: readSafely(() => fields.output) };
  }
  return undefined;
}

/**
 * What the supervisor lets in from outside: its control requests with the right
 * shape, its own RETRY and GIVE_UP, and its children's exit reports (a forged
 * report about a child that is still running is ignored by the plan). Anything
 * else, `xstate.stop` from another actor included, is dropped.
 */
function admitToSupervisor(event: unknown): object | undefined {
  const type = eventType(event);
  if (type === undefined) return undefined;
  const fields = event as Record<string, unknown>;
  switch (type) {
    case 'BreakGlass.Supervisor.TERMINATE_CHILD':
    case 'BreakGlass.Supervisor.RESTART_CHILD': {
      const childId = readSafely(() => fields.childId);
      return typeof childId === 'string' ? { type, childId } : undefined;
    }
    case 'BreakGlass.Supervisor.SHUTDOWN':
      return { type };
    case 'BreakGlass.Supervisor.RETRY':
    case 'BreakGlass.Supervisor.GIVE_UP':
      return ownEvents.has(event as object) ? (event as object) : undefined;
    default:
      return childReport(type, fields);
  }
}

function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    // A value that cannot be read is no value.
  }
  return undefined;
}

/**
 * The supervisor's committed children; none while its first snapshot is being built
 * (on `xstate.init`), when XState has no snapshot to read yet: its development build
 * throws on `getSnapshot()` then, and its production build answers undefined.
 */
function viewOf(self: AnyActorRef, system: { get(systemId: string): AnyActorRef | undefined }, initializing: boolean): SupervisionView {
  const children = initializing ? {} : (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children;
  return { children, holderOf: (systemId) => system.get(systemId) };
}

/**
 * XState types a child `id` only for logic named in `setup({ actors })`; children
 * here come from input, so the id is typed away and kept at run time.
 */
function spawnOptions(spec: ResolvedChildSpec): { systemId?: string; input?: unknown } {
  return { id: spec.id, systemId: spec.systemId, input: spec.input } as { systemId?: string; input?: unknown };
}

function planFor(context: SupervisorContext, event: SupervisorEvent, view: SupervisionView): SupervisionPlan {
  switch (event.type) {
    case 'BreakGlass.Supervisor.RETRY':
      return planRetry(context, event.childIds, view);
    case 'BreakGlass.Supervisor.TERMINATE_CHILD':
      return planTerminate(context, event.childId, view);
    case 'BreakGlass.Supervisor.RESTART_CHILD':
      return planRestartChild(context, event.childId, view);
    case 'BreakGlass.Supervisor.SHUTDOWN':
      return planShutdown(context, view);
    // GIVE_UP never gets here: it moves the supervisor to `givingUp`, whose only action is `fail`.
    default:
      if (event.type.startsWith(ERROR_REPORT) || event.type.startsWith(DONE_REPORT)) {
        return planChildExit(context, event as ChildErrorEvent | ChildDoneEvent, view);
      }
      return planStartAll(context, view);
  }
}

/**
 * A supervisor as an XState machine: it spawns its children (each under its
 * `systemId`), restarts them by strategy and restart type when they end, and
 * gives up when restarts come faster than `maxRestarts` in `maxSeconds`: it then
 * stops every child and fails with a `RestartIntensityError`, which its parent
 * receives as `xstate.error.actor.<id>`. Defaults are OTP's: `one_for_one`,
 * 3 restarts in 5 seconds, `permanent` children.
 *
 * @example
 * ```ts
 * spawnChild(supervisorMachine, {
 *   id: 'supervisor',
 *   input: { children: [{ id: 'tokens', logic: tokenStoreMachine, systemId: 'BreakGlass.TokenStore' }] },
 * });
 * ```
 */
const supervisorLogic = setup({
  // Stryker disable next-line ObjectLiteral: equivalent, `types` only informs the compiler; XState ignores its value
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actions: {
    supervise: enqueueActions(({ context, event, self, system, enqueue }) => {
      const plan = planFor(context, event, viewOf(self, system, (event as { type: string }).type === 'xstate.init'));
      enqueue.assign(plan.context);
      // Stopping first frees the old instances' system ids, so the new ones can take them in the same step.
      for (const id of plan.stop) enqueue.stopChild(id);
      for (const spec of plan.spawn) enqueue.spawnChild(spec.logic, spawnOptions(spec));
      if (plan.retry !== null) enqueue.sendTo(self, own({ type: 'BreakGlass.Supervisor.RETRY', childIds: plan.retry }));
      if (plan.giveUp !== null) enqueue.raise(own({ type: 'BreakGlass.Supervisor.GIVE_UP', error: plan.giveUp }));
    }),
    // Both run only on GIVE_UP: `givingUp` is entered by it alone, and `fail` is its only transition.
    failLater: enqueueActions(({ event, self, enqueue }) => {
      enqueue.sendTo(self, event);
    }),
    fail: ({ event }) => {
      // Throwing is how an actor fails in XState: its observers and its parent receive this error.
      throw (event as GiveUpEvent).error;
    },
  },
}).createMachine({
  id: 'BreakGlass.Supervisor',
  context: ({ input }) => ({ ...resolveSupervisorInput(input), terminated: [], restarts: [], lastFailure: null }),
  initial: 'running',
  states: {
    running: {
      entry: 'supervise',
      on: {
        'xstate.error.actor.*': { actions: 'supervise' },
        'xstate.done.actor.*': { actions: 'supervise' },
        'BreakGlass.Supervisor.RETRY': { actions: 'supervise' },
        'BreakGlass.Supervisor.TERMINATE_CHILD': { actions: 'supervise' },
        'BreakGlass.Supervisor.RESTART_CHILD': { actions: 'supervise' },
        'BreakGlass.Supervisor.SHUTDOWN': { target: 'stopped', actions: 'supervise' },
        'BreakGlass.Supervisor.GIVE_UP': { target: 'givingUp' },
      },
    },
    // XState leaves the children of an actor that fails mid-transition running, so the children are
    // stopped by the step that enters this state and the failure comes one event later, through the mailbox.
    givingUp: {
      entry: 'failLater',
      on: { 'BreakGlass.Supervisor.GIVE_UP': { actions: 'fail' } },
    },
    stopped: { type: 'final' },
  },
});

function hardenedSupervisor(machine: typeof supervisorLogic): typeof supervisorLogic {
  return withDoor(machine, admitToSupervisor, hardenedSupervisor);
}

/** The supervisor machine as shipped: {@link supervisorLogic} behind its door (see `admitToSupervisor`). */
export const supervisorMachine = hardenedSupervisor(supervisorLogic);

