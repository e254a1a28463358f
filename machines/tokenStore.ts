import { Actor, type AnyActorScope, type AnyActorRef } from 'xstate';
import { resolveDeps } from './deps';
import { tokenStoreLogic } from './tokenStore.machine';

type TokenStoreSnapshot = ReturnType<typeof tokenStoreLogic.getInitialSnapshot>;

function isEventObject(event: unknown): boolean {
  try {
    return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string';
  } catch {
    return false;
  }
}

/**
 * XState dereferences `event.type` after a transition, outside its own try/catch:
 * a `null` sent to an actor throws to the sender and leaves the mailbox stuck, so
 * every later event is queued forever. The store refuses such events at its door.
 */
function guardMailbox(self: AnyActorRef): void {
  const actor = self as AnyActorRef & { _send(event: unknown): void };
  const deliver = actor._send;
  actor._send = function guardedSend(this: unknown, event: unknown) {
    if (isEventObject(event)) deliver.call(this, event);
  };
}

/**
 * The token store machine, ready to spawn: `tokenStoreLogic` with three guarantees
 * that a plain machine cannot give.
 *
 * - A persisted snapshot holds no token, and restoring any snapshot, whatever it
 *   holds, gives an empty store: restart means empty, also for rehydration.
 * - An event that is not an object with a string `type` is ignored rather than
 *   handed to the machine.
 *
 * @example
 * ```ts
 * spawnChild(tokenStoreMachine, { id: 'tokens', systemId: 'BreakGlass.TokenStore' });
 * ```
 */
export const tokenStoreMachine = hardened(tokenStoreLogic);

function hardened(machine: typeof tokenStoreLogic): typeof tokenStoreLogic {
  const transition = machine.transition;
  const getPersistedSnapshot = machine.getPersistedSnapshot;
  const getInitialSnapshot = machine.getInitialSnapshot;
  const start = machine.start;

  machine.transition = (snapshot, event, scope) => (isEventObject(event) ? transition(snapshot, event, scope) : snapshot);

  // Actor#start hands the logic its scope as a second argument, which the machine's own start ignores.
  const guardedStart = (snapshot: TokenStoreSnapshot, scope?: AnyActorScope) => {
    if (scope?.self instanceof Actor) guardMailbox(scope.self);
    start(snapshot);
  };
  machine.start = guardedStart;

  machine.getPersistedSnapshot = (snapshot, options) => {
    const persisted = getPersistedSnapshot(snapshot, options) as unknown as Record<string, unknown>;
    const { generation, deps } = snapshot.context;
    // Only what is not secret and not a function survives: the state is "empty" whatever it was.
    return {
      ...persisted,
      value: 'empty',
      context: { generation, record: null, deps: { ttlMs: deps.ttlMs } },
    } as unknown as ReturnType<typeof getPersistedSnapshot>;
  };

  machine.restoreSnapshot = (persisted, scope: AnyActorScope) => {
    const ttlMs = ttlOf(persisted);
    return getInitialSnapshot(scope, { ttlMs: ttlMs ?? undefined }) as TokenStoreSnapshot;
  };
  return machine;
}

/** The one setting a rehydrated store keeps; anything odd in the snapshot means no expiry override. */
function ttlOf(persisted: unknown): number | null {
  try {
    const ttl = (persisted as { context?: { deps?: { ttlMs?: unknown } } })?.context?.deps?.ttlMs;
    return resolveDeps({ ttlMs: ttl as number | undefined }).ttlMs;
  } catch {
    return null;
  }
}
