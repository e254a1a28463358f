import type { ActorRefFrom, AnyActorRef } from 'xstate';
import type { supervisorMachine } from '../../machines/supervisor.machine';
import type { ChildInfo } from '../../machines/supervisor.protocol';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import type { SupervisedStore } from './supervisedStore';

/** A running supervisor actor. */
export type SupervisorActorRef = ActorRefFrom<typeof supervisorMachine>;

/** How a supervisor ended: stopped on request, or failed (it gave up on a child, or failed to start). */
export type SupervisorExit = { readonly reason: 'stopped' } | { readonly reason: 'failed'; readonly error: unknown };

/** Counts as OTP's `count_children/1`. */
export interface ChildCounts {
  /** Every child the supervisor knows, running or not. */
  readonly specs: number;
  /** Children running now. */
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

/** Why a control request changed nothing, as OTP's `{:error, reason}`. */
export type ChildControlResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not_found' | 'running' | 'not_running' | 'name_conflict' };

/**
 * The client of a running supervisor, returned by `startSupervisor`: introspection
 * and control as OTP's `Supervisor` module, and the token store handles of its
 * children, which stay valid across restarts.
 */
export class Supervisor {
  readonly #actor: SupervisorActorRef;
  readonly #stores: ReadonlyMap<string, SupervisedStore>;
  readonly #exited: Promise<SupervisorExit>;

  /** @internal */
  constructor(actor: SupervisorActorRef, stores: ReadonlyMap<string, SupervisedStore>, exited: Promise<SupervisorExit>) {
    this.#actor = actor;
    this.#stores = stores;
    this.#exited = exited;
  }

  /** The supervisor actor, for devtools and `system.get`. */
  get actorRef(): SupervisorActorRef {
    return this.#actor;
  }

  /** Settles once the supervisor has ended, with why; it never rejects. */
  get exited(): Promise<SupervisorExit> {
    return this.#exited;
  }

  /**
   * The handle of a token store child, by child id; the only one when `id` is
   * omitted. The same handle serves every instance the supervisor starts.
   *
   * @throws RangeError when there is no such token store child.
   */
  store(id?: string): TokenStoreHandle {
    const only = this.#stores.size === 1 ? [...this.#stores.values()][0] : undefined;
    const store = id === undefined ? only : this.#stores.get(id);
    if (store === undefined) throw new RangeError(`no token store child '${String(id)}'`);
    return store.handle;
  }

  /** Every child in start order, with its live actor or `undefined` while it is down (OTP's `which_children/1`). */
  whichChildren(): ChildInfo[] {
    const snapshot = this.#actor.getSnapshot();
    const children = snapshot.children as Record<string, AnyActorRef | undefined>;
    return snapshot.context.specs.map((spec) => {
      const actor = children[spec.id];
      const live = actor !== undefined && actor.getSnapshot().status === 'active' ? actor : undefined;
      return { id: spec.id, actor: live, restart: spec.restart, type: spec.type };
    });
  }

  /** How many children there are, by kind and by whether they run (OTP's `count_children/1`). */
  countChildren(): ChildCounts {
    const children = this.whichChildren();
    const supervisors = children.filter((child) => child.type === 'supervisor').length;
    return {
      specs: children.length,
      active: children.filter((child) => child.actor !== undefined).length,
      supervisors,
      workers: children.length - supervisors,
    };
  }

  /**
   * Stops a child and keeps its spec: it is not restarted until `restartChild`.
   * A temporary child is forgotten instead (OTP's `terminate_child/2`).
   */
  terminateChild(id: string): ChildControlResult {
    const child = this.whichChildren().find((info) => info.id === id);
    if (child === undefined) return { ok: false, reason: 'not_found' };
    if (child.actor === undefined) return { ok: false, reason: 'not_running' };
    this.#actor.send({ type: 'BreakGlass.Supervisor.TERMINATE_CHILD', childId: id });
    return { ok: true };
  }

  /** Starts a child that `terminateChild` stopped (OTP's `restart_child/2`). */
  restartChild(id: string): ChildControlResult {
    const child = this.whichChildren().find((info) => info.id === id);
    if (child === undefined) return { ok: false, reason: 'not_found' };
    if (child.actor !== undefined) return { ok: false, reason: 'running' };
    this.#actor.send({ type: 'BreakGlass.Supervisor.RESTART_CHILD', childId: id });
    const started = this.whichChildren().some((info) => info.id === id && info.actor !== undefined);
    return started ? { ok: true } : { ok: false, reason: 'name_conflict' };
  }

  /** Stops every child, last started first, then the supervisor; waiting calls reject with `ERR_STORE_EXITED`. */
  async stop(): Promise<void> {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'BreakGlass.Supervisor.SHUTDOWN' });
    this.#actor.stop();
    await this.#exited;
  }
}
