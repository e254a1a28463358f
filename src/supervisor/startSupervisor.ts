import { createActor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { supervisorMachine } from '../../machines/supervisor.machine';
import type { SupervisedChildSpec, SupervisorInput } from '../../machines/supervisor.protocol';
import { resolveSupervisorInput } from '../../machines/supervisor.settings';
import { tokenStoreMachine } from '../../machines/tokenStore';
import { AlreadyStartedError } from '../errors';
import { resolveInspect } from '../inspection/sanitizedInspect';
import type { TokenStoreOptions } from '../startLink';
import type { TokenStoreActorRef } from '../storeBinding';
import { SupervisedStore } from './supervisedStore';
import { Supervisor, type SupervisorExit } from './supervisor';

/** The supervisor's own name when none is given: its id and system id. */
export const DEFAULT_SUPERVISOR_NAME = 'BreakGlass.Supervisor';

/** Options of `startSupervisor`. Restart limits and strategy default to OTP's. */
export interface SupervisorOptions extends SupervisorInput {
  /** Child specs, e.g. from `childSpec()`, started in this order and stopped in reverse. */
  readonly children: readonly SupervisedChildSpec[];
  /** The supervisor actor's id and system id; `'BreakGlass.Supervisor'` by default. */
  readonly name?: string;
  /**
   * An XState inspection observer for the supervisor and every actor it starts,
   * restarts included. It receives sanitized events (see `sanitizeInspectionEvent`)
   * unless `unsafeRawInspection` is set.
   */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Hands `inspect` XState's raw inspection events; see `TokenStoreOptions.unsafeRawInspection`. */
  readonly unsafeRawInspection?: boolean;
}

/**
 * Starts a supervisor over `children`, as `Supervisor.start_link/2`. Each token
 * store child gets one handle, registered under the store's name (so `whereis`
 * and the module-level `TokenStore` functions find it), that follows the live
 * instance across restarts. When restarts come faster than `maxRestarts` in
 * `maxSeconds`, the supervisor stops its children and itself; `exited` then
 * settles with the `RestartIntensityError` (`ERR_RESTART_INTENSITY`).
 *
 * @example
 * ```ts
 * const supervisor = startSupervisor({ children: [childSpec()] });
 * const token = await TokenStore.buildAndStore();
 * ```
 * @throws AlreadyStartedError (`ERR_ALREADY_STARTED`) when a store child's name is taken.
 * @throws TypeError or RangeError for options of the wrong kind.
 */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const { specs } = resolveSupervisorInput(options);
  const name = options.name ?? DEFAULT_SUPERVISOR_NAME;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('options.name must be a non-empty string');
  // Assigned before the supervisor starts, so before any store handle can ask it to terminate a child.
  let supervisor!: Supervisor;
  const stores = new Map<string, SupervisedStore>();
  for (const spec of specs) {
    if (spec.logic !== tokenStoreMachine) continue;
    const storeOptions = (options.children.find((child) => child.id === spec.id) as { options?: TokenStoreOptions }).options ?? {};
    const terminate = () => void supervisor.terminateChild(spec.id);
    stores.set(spec.id, new SupervisedStore(spec.id, spec.systemId ?? spec.id, storeOptions, terminate));
  }
  claimNames(stores);

  const { children, strategy, maxRestarts, maxSeconds, now } = options;
  const actor = createActor(supervisorMachine, {
    id: name,
    systemId: name,
    input: { children, strategy, maxRestarts, maxSeconds, now },
    inspect: resolveInspect(options),
  });
  let settle!: (exit: SupervisorExit) => void;
  const exited = new Promise<SupervisorExit>((resolve) => (settle = resolve));
  const finish = (exit: SupervisorExit) => {
    for (const store of stores.values()) store.close(exit.reason === 'stopped' ? 'stopped' : exit.error);
    settle(exit);
  };
  actor.subscribe({
    next: (snapshot) => {
      const live = snapshot.children as Record<string, AnyActorRef | undefined>;
      for (const store of stores.values()) store.follow(live[store.childId] as TokenStoreActorRef | undefined);
    },
    error: (error) => finish({ reason: 'failed', error }),
    complete: () => finish({ reason: 'stopped' }),
  });
  supervisor = new Supervisor(actor, stores, exited);
  actor.start();
  return supervisor;
}

/** Registers every store's name, or none: a taken name undoes the others and throws. */
function claimNames(stores: ReadonlyMap<string, SupervisedStore>): void {
  const claimed: SupervisedStore[] = [];
  for (const store of stores.values()) {
    const running = store.register();
    if (running !== undefined) {
      for (const done of claimed) done.release();
      throw new AlreadyStartedError(running.name, running);
    }
    claimed.push(store);
  }
}
