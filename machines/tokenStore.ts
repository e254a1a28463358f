import type { AnyActorScope } from 'xstate';
import { UnreadableEventError } from '../src/errors';
import { wipeSealed } from '../src/lib/sealedToken';
import { resolveDeps } from './deps';
import { eventType, withDoor } from './door';
import { isScheduledExpiry, tokenStoreLogic } from './tokenStore.machine';

type TokenStoreSnapshot = ReturnType<typeof tokenStoreLogic.getInitialSnapshot>;

/**
 * The fields the store reads from each event it accepts; everything else stays
 * outside. A Map, not an object literal: an event type such as `toString` or
 * `__proto__` must find nothing here, not a property of Object.prototype.
 */
const FIELDS_READ: ReadonlyMap<string, readonly string[]> = new Map([
  ['BUILD', ['replyTo', 'requestId']],
  ['DELETE', ['token', 'replyTo', 'requestId']],
  ['CONSUME', ['token', 'replyTo', 'requestId']],
  ['CLEAR', ['replyTo', 'requestId']],
]);

/** Admitted events whose token could not be read: the transition refuses them. */
const withUnreadableToken = new WeakSet<object>();
/** Events already admitted at the actor's door, so the transition does not read them twice. */
const admittedEvents = new WeakSet<object>();

/**
 * The event as the store will see it: a plain object read once, at the door.
 * Reading once means a getter or Proxy cannot answer differently later (or throw
 * later, inside XState, where nothing catches it). Extra fields, however large or
 * cyclic, are left behind; a `replyTo` or `requestId` whose read throws is left
 * out. A `token` whose read throws is marked, and the store fails on it (see
 * `hardened`). Anything that is not an object with a string `type` is undefined:
 * dropped.
 */
function admit(event: unknown): object | undefined {
  const type = eventType(event);
  if (type === undefined) return undefined;
  if (type === 'BreakGlass.EXPIRE') return isScheduledExpiry(event) ? (event as object) : undefined;
  const admitted: Record<string | symbol, unknown> = { type };
  // Other types (XState's own `xstate.stop`, queued by the actor's `stop()`) carry no field the store reads.
  const fields = FIELDS_READ.get(type);
  if (fields !== undefined) {
    for (const field of fields) {
      try {
        const value: unknown = (event as Record<string, unknown>)[field];
        if (value !== undefined) admitted[field] = value;
      } catch {
        if (field === 'token') withUnreadableToken.add(admitted);
      }
    }
  }
  const frozen = Object.freeze(admitted);
  admittedEvents.add(frozen);
  return frozen;
}

/**
 * What the store lets in from outside: its own four requests (read once, see
 * `admit`) and the expiry events it scheduled itself. The store has no
 * children, so no `xstate.*` event from outside is ever its business.
 */
function admitFromOutside(event: unknown): object | undefined {
  const admitted = admit(event);
  if (admitted === undefined) return undefined;
  const { type } = admitted as { type: string };
  return FIELDS_READ.has(type) || type === 'BreakGlass.EXPIRE' ? admitted : undefined;
}

/**
 * The token store machine, ready to spawn: `tokenStoreLogic` with three guarantees
 * that a plain machine cannot give.
 *
 * - A persisted snapshot holds no token, and restoring any snapshot, whatever it
 *   holds, gives an empty store: restart means empty, also for rehydration.
 * - An event that is not an object with a string `type` is ignored rather than
 *   handed to the machine; any other is copied once at the door, keeping only
 *   the fields the store reads, so getters, Proxies and huge or cyclic payloads
 *   never reach it. A DELETE or CONSUME whose `token` getter throws makes the
 *   store fail with `ERR_EVENT_UNREADABLE`: a supervisor restarts it empty.
 *
 * @example
 * ```ts
 * spawnChild(tokenStoreMachine, { id: 'tokens', systemId: 'BreakGlass.TokenStore' });
 * ```
 */
// A copy is hardened, so `tokenStoreLogic` stays the plain machine it is documented to be.
export const tokenStoreMachine = hardened(tokenStoreLogic.provide({}));

function hardened(machine: typeof tokenStoreLogic): typeof tokenStoreLogic {
  const transition = machine.transition;
  const getPersistedSnapshot = machine.getPersistedSnapshot;
  const getInitialSnapshot = machine.getInitialSnapshot;
  machine.transition = (snapshot, event, scope) => {
    const admitted = admittedEvents.has(event) ? event : admit(event);
    if (admitted === undefined) return snapshot;
    try {
      // A token the store cannot read is one it cannot judge: failing (and, under a
      // supervisor, restarting empty) is safer than guessing what the sender meant.
      if (withUnreadableToken.has(admitted)) throw new UnreadableEventError((admitted as unknown as { type: string }).type);
      const next = transition(snapshot, admitted as typeof event, scope);
      // A stopped store keeps its last context readable: its token goes now, whoever stopped it.
      if (next.status !== 'active') wipeSealed(snapshot.context.record?.sealed);
      return next;
    } catch (error) {
      // The actor fails with this error and keeps its last context: wipe the token it holds.
      wipeSealed(snapshot.context.record?.sealed);
      throw error;
    }
  };

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
    return getInitialSnapshot(scope, { ttlMs }) as TokenStoreSnapshot;
  };
  return withDoor(machine, admitFromOutside, hardened);
}

/**
 * The one setting a rehydrated store keeps; anything odd in the snapshot means no expiry:
 * a missing field or a getter that throws on the way to it, or a value `resolveDeps` refuses.
 */
function ttlOf(persisted: unknown): number | null {
  let ttlMs: number | null = null;
  try {
    const { ttlMs: given } = (persisted as { context: { deps: { ttlMs?: number | null } } }).context.deps;
    ttlMs = resolveDeps({ ttlMs: given }).ttlMs;
  } catch {
    // No expiry override: the store starts as one given no ttlMs.
  }
  return ttlMs;
}
