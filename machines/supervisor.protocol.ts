import type { AnyActorLogic, AnyActorRef } from 'xstate';

/** How a crash of one child affects its siblings, as OTP's supervisor strategies. */
export type SupervisorStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * When a child is started again: `permanent` always, `transient` only after a
 * crash (not after it reaches a final state), `temporary` never.
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** What a supervisor needs to spawn one child: its logic, input and the names it answers to. */
export interface SupervisedChildSpec {
  /** The child's id among its siblings: `snapshot.children[id]`. Unique within a supervisor. */
  readonly id: string;
  /** The actor logic to spawn, e.g. `tokenStoreMachine`. */
  readonly logic: AnyActorLogic;
  /** Input for every instance, the first and each restarted one. */
  readonly input?: unknown;
  /** The system-wide name (`system.get(systemId)`), re-registered on every restart. */
  readonly systemId?: string;
  /** `permanent` by default, as in OTP. */
  readonly restart?: RestartType;
  /** Whether the child is a worker or itself a supervisor; informational, as in OTP. */
  readonly type?: 'worker' | 'supervisor';
}

/** Input to the supervisor machine. Defaults follow OTP: one_for_one, 3 restarts in 5 s. */
export interface SupervisorInput {
  /** Started in this order, stopped in reverse order. */
  readonly children: readonly SupervisedChildSpec[];
  readonly strategy?: SupervisorStrategy;
  /** How many restarts the window tolerates; one more and the supervisor gives up. */
  readonly maxRestarts?: number;
  /** The window's length, in seconds. */
  readonly maxSeconds?: number;
  /** The clock restarts are timed on, in milliseconds; a monotonic one by default. */
  readonly now?: () => number;
}

/** A child spec with every default filled in. */
export interface ResolvedChildSpec extends SupervisedChildSpec {
  readonly restart: RestartType;
  readonly type: 'worker' | 'supervisor';
}

/** The supervisor's settings after validation. */
export interface SupervisorSettings {
  readonly strategy: SupervisorStrategy;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  readonly now: () => number;
}

/** Why the last child went down, kept for the report when the supervisor gives up. */
export interface ChildFailure {
  readonly childId: string;
  readonly reason: unknown;
}

/** What the supervisor remembers between events; its children themselves live in the snapshot. */
export interface SupervisorContext {
  /** Every child the supervisor knows, in start order; a temporary child leaves the list when it ends. */
  readonly specs: readonly ResolvedChildSpec[];
  /** Ids of children stopped on request (`TERMINATE_CHILD`); they stay down until `RESTART_CHILD`. */
  readonly terminated: readonly string[];
  /** Times of recent restarts on `settings.now`, newest first: OTP's restart list. */
  readonly restarts: readonly number[];
  readonly lastFailure: ChildFailure | null;
  readonly settings: SupervisorSettings;
}

/** Stops a child and keeps its spec, as `Supervisor.terminate_child/2`. */
export interface TerminateChildEvent {
  readonly type: 'BreakGlass.Supervisor.TERMINATE_CHILD';
  readonly childId: string;
}
/** Starts a child that was terminated, as `Supervisor.restart_child/2`. */
export interface RestartChildEvent {
  readonly type: 'BreakGlass.Supervisor.RESTART_CHILD';
  readonly childId: string;
}
/** Stops every child in reverse start order, then the supervisor itself, with no error. */
export interface ShutdownEvent {
  readonly type: 'BreakGlass.Supervisor.SHUTDOWN';
}
/** A restart that could not spawn every child; the rest are tried again. @internal */
export interface RetryRestartEvent {
  readonly type: 'BreakGlass.Supervisor.RETRY';
  readonly childIds: readonly string[];
}
/** The supervisor has stopped its children and now fails with `error`. @internal */
export interface GiveUpEvent {
  readonly type: 'BreakGlass.Supervisor.GIVE_UP';
  readonly error: Error;
}
/** A child went down with an error (XState's `xstate.error.actor.<id>`). */
export interface ChildErrorEvent {
  readonly type: `xstate.error.actor.${string}`;
  readonly actorId: string;
  readonly error: unknown;
}
/** A child reached a final state: a normal exit (XState's `xstate.done.actor.<id>`). */
export interface ChildDoneEvent {
  readonly type: `xstate.done.actor.${string}`;
  readonly actorId: string;
  readonly output?: unknown;
}

/** Every event a supervisor accepts from outside. */
export type SupervisorControlEvent = TerminateChildEvent | RestartChildEvent | ShutdownEvent;
/** @internal */
export type SupervisorEvent = SupervisorControlEvent | RetryRestartEvent | GiveUpEvent | ChildErrorEvent | ChildDoneEvent;

/** A running child as `whichChildren` reports it; `actor` is undefined while the child is down. */
export interface ChildInfo {
  readonly id: string;
  readonly actor: AnyActorRef | undefined;
  readonly restart: RestartType;
  readonly type: 'worker' | 'supervisor';
}
