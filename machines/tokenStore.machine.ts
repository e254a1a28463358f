import { Actor, and, enqueueActions, setup, type AnyActorRef } from 'xstate';
import { isTokenBytes, TOKEN_LENGTH } from '../src/lib/bytes';
import { SealedToken, sealedMatches, wipeSealed } from '../src/lib/sealedToken';
import { SecretToken, secretTokenBytes, wipeSecretToken } from '../src/lib/secretToken';
import { courierFor } from './courier';
import { resolveDeps } from './deps';
import type {
  ActiveRecord,
  BuildEvent,
  ClearEvent,
  ConsumeEvent,
  DeleteEvent,
  ReplyAddress,
  RequestId,
  TokenStoreAuditEvent,
  TokenStoreContext,
  TokenStoreDeps,
  TokenStoreInput,
  TokenStoreMachineEvent,
  TokenStoreReply,
} from './protocol';

// Stryker disable next-line StringLiteral: equivalent, the id only pairs the store's one timer with its cancels, and any one string pairs them alike
const EXPIRY_TIMER = 'BreakGlass.expiry';

/** The token a DELETE or CONSUME carries, or undefined when it carries none that is well formed. */
function candidateOf(event: TokenStoreMachineEvent): Uint8Array | undefined {
  return secretTokenBytes((event as { readonly token?: unknown }).token);
}

/**
 * A reply target the store can safely send to: a started, live XState actor,
 * reached through its courier, so that a delivery that throws fails the
 * recipient and never the store. Anything else (missing, stopped, not an actor)
 * gets no reply.
 */
function replyTarget(event: ReplyAddress): AnyActorRef | undefined {
  try {
    const target = event.replyTo;
    if (!(target instanceof Actor)) return undefined;
    return target.getSnapshot().status === 'active' ? courierFor(target) : undefined;
  } catch {
    // An Actor look-alike whose getSnapshot throws is no reply target either.
  }
  return undefined;
}

// Expiry events the store scheduled itself. Anyone may send a look-alike
// `BreakGlass.EXPIRE`; only these may drop a token as "expired", so the audit
// trail cannot be made to report a removal under a false reason.
const scheduledExpiries = new WeakSet<object>();

/** True for an expiry event this module scheduled, never for a copy or a forgery. @internal */
export function isScheduledExpiry(event: unknown): boolean {
  // A WeakSet answers false for a primitive, so any value may be asked about.
  return scheduledExpiries.has(event as object);
}

/** An expiry event naming the generation of the token it was set for, marked as the store's own. */
function scheduledExpiry(generation: number) {
  // Frozen: the object can be read back from the system's scheduled events, and a
  // getter defined on it later would answer the door one type and XState another.
  const expiry = Object.freeze({ type: 'BreakGlass.EXPIRE' as const, generation });
  scheduledExpiries.add(expiry);
  return expiry;
}

/** Whether a token's time to live is over: exactly at the deadline it is. */
function isExpired(record: ActiveRecord, deps: TokenStoreDeps): boolean {
  return record.expiresAtTick !== null && deps.monotonicNow() >= record.expiresAtTick;
}

/** Echoes only a small string or a finite number, so a reply never carries a caller's huge payload. */
function requestIdOf(event: ReplyAddress): RequestId | undefined {
  const id = event.requestId;
  // Number.isFinite is false for anything that is not a number.
  if (Number.isFinite(id)) return id as number;
  if (typeof id === 'string' && id.length <= 200) return id;
  return undefined;
}

/** The answer to a removal that succeeded; an expiry has no one to answer, so it never asks. */
function removedReply(event: TokenStoreMachineEvent, requestId: RequestId | undefined, removed: ActiveRecord): TokenStoreReply {
  switch (event.type) {
    case 'DELETE':
      return { type: 'BreakGlass.DELETED', requestId, ok: true };
    case 'CONSUME':
      return { type: 'BreakGlass.CONSUMED', requestId, ok: true, insertedAt: new Date(removed.insertedAtMs) };
    default:
      return { type: 'BreakGlass.CLEARED', requestId, ok: true };
  }
}

function drawTokenBytes(context: TokenStoreContext): Uint8Array {
  const bytes = context.deps.randomBytes(TOKEN_LENGTH);
  // A broken random source must crash the store, never yield a short or reused token.
  if (!isTokenBytes(bytes)) throw new TypeError('randomBytes did not return 32 bytes');
  return bytes;
}

/**
 * The token store's logic: at most one active token, replaced by BUILD, removed by
 * a matching DELETE or CONSUME, by CLEAR, or by expiry. One event at a time, so a
 * DELETE re-checks the token when it is processed, not when it was sent.
 */
export const tokenStoreLogic = setup({
  // Stryker disable next-line ObjectLiteral: equivalent, `types` only informs the compiler; XState ignores its value
  types: {
    context: {} as TokenStoreContext,
    events: {} as TokenStoreMachineEvent,
    input: {} as TokenStoreInput,
    emitted: {} as TokenStoreAuditEvent,
  },
  guards: {
    // Guards and actions below are bound only where the machine config says: while
    // holding, a record exists; an action bound to one event type gets only that type.
    candidateMatches: ({ context, event }) => {
      const candidate = candidateOf(event);
      const record = context.record as ActiveRecord;
      if (candidate === undefined || !sealedMatches(record.sealed, candidate)) return false;
      // A CONSUME that reaches the store after the deadline but before the late timer is refused,
      // as lookup refuses it.
      return !isExpired(record, context.deps);
    },
    // Only the store's own expiry events count. One can be read back from the system's
    // scheduled events and sent again, early or for an earlier token: only the current
    // token's deadline expires it, and before that the event re-arms the timer for the
    // time left, which is where the current token's timer already stands.
    isOwnExpiry: ({ event }) => isScheduledExpiry(event),
    deadlinePassed: ({ context }) => isExpired(context.record as ActiveRecord, context.deps),
  },
  actions: {
    storeFreshToken: enqueueActions(({ context, event, enqueue }) => {
      const request = event as BuildEvent;
      const bytes = drawTokenBytes(context);
      const generation = context.generation + 1;
      const previous = context.record;
      const insertedAtMs = context.deps.now();
      const { ttlMs } = context.deps;
      const record: ActiveRecord = {
        sealed: SealedToken.seal(bytes),
        insertedAtMs,
        expiresAtTick: ttlMs === null ? null : context.deps.monotonicNow() + ttlMs,
        generation,
      };
      enqueue.assign({ record, generation });
      const fingerprint = record.sealed.fingerprint;
      const replaced = previous === null ? null : previous.sealed.fingerprint;
      enqueue.emit({ type: 'token.built', at: new Date(insertedAtMs), fingerprint, replaced });
      const target = replyTarget(request);
      if (target !== undefined) {
        const reply: TokenStoreReply = {
          type: 'BreakGlass.BUILT',
          requestId: requestIdOf(request),
          token: SecretToken.wrap(bytes),
          insertedAt: new Date(insertedAtMs),
          fingerprint,
        };
        enqueue.sendTo(target, reply);
      }
      bytes.fill(0);
      // Expiry is scheduled here rather than on entering a state, so a store without
      // a time to live pays nothing for it on every build.
      if (ttlMs !== null) {
        // The replaced token's timer, if any: cancelling an unknown id does nothing.
        enqueue.cancel(EXPIRY_TIMER);
        // Stryker disable next-line ObjectLiteral: equivalent, an expiry raised at once finds the deadline ahead and re-arms this same timer for the time left, the full time to live
        enqueue.raise(scheduledExpiry(generation), { delay: ttlMs, id: EXPIRY_TIMER });
      }
      enqueue(() => wipeSealed(previous?.sealed));
    }),
    removeRecord: enqueueActions(({ context, event, enqueue }) => {
      const record = context.record as ActiveRecord;
      const at = new Date(context.deps.now());
      const fingerprint = record.sealed.fingerprint;
      enqueue.cancel(EXPIRY_TIMER);
      enqueue.assign({ record: null });
      // An expiry carries no reply address, so it finds no target.
      const request = event as ReplyAddress;
      const target = replyTarget(request);
      if (target !== undefined) enqueue.sendTo(target, removedReply(event, requestIdOf(request), record));
      switch (event.type) {
        case 'DELETE':
          enqueue.emit({ type: 'token.deleted', at, fingerprint });
          break;
        case 'CONSUME':
          enqueue.emit({ type: 'token.consumed', at, fingerprint });
          break;
        case 'CLEAR':
          enqueue.emit({ type: 'token.cleared', at, fingerprint });
          break;
        case 'BreakGlass.EXPIRE':
          enqueue.emit({ type: 'token.expired', at, fingerprint });
          break;
      }
      enqueue(() => wipeSealed(record.sealed));
    }),
    // An expiry that arrives before the deadline (a timer may fire a little early, or the
    // event was sent again) waits for the rest of the time to live.
    rescheduleExpiry: enqueueActions(({ context, enqueue }) => {
      // The store schedules expiries only for a token with a deadline.
      const record = context.record as ActiveRecord;
      const deadline = record.expiresAtTick as number;
      // Ahead of the clock, as the guard just found; were the clock to pass it between the
      // two reads, a delay of zero or less still fires at once.
      const remaining = Math.ceil(deadline - context.deps.monotonicNow());
      enqueue.cancel(EXPIRY_TIMER);
      enqueue.raise(scheduledExpiry(record.generation), { delay: remaining, id: EXPIRY_TIMER });
    }),
    replyEmptyClear: enqueueActions(({ context, event, enqueue }) => {
      const request = event as ClearEvent;
      enqueue.emit({ type: 'token.cleared', at: new Date(context.deps.now()), fingerprint: null });
      const target = replyTarget(request);
      if (target !== undefined) {
        enqueue.sendTo(target, { type: 'BreakGlass.CLEARED', requestId: requestIdOf(request), ok: true });
      }
    }),
    replyRefused: enqueueActions(({ context, event: anyEvent, enqueue }) => {
      const event = anyEvent as DeleteEvent | ConsumeEvent;
      const malformed = candidateOf(event) === undefined;
      if (malformed) {
        enqueue.emit({
          type: 'event.rejected',
          at: new Date(context.deps.now()),
          event: event.type,
          reason: 'malformed_token',
        });
      }
      const target = replyTarget(event);
      if (target === undefined) return;
      const reason = malformed ? 'malformed' : 'no_match';
      const type = event.type === 'DELETE' ? 'BreakGlass.DELETED' : 'BreakGlass.CONSUMED';
      enqueue.sendTo(target, { type, requestId: requestIdOf(event), ok: false, reason });
    }),
  },
}).createMachine({
  id: 'BreakGlass.TokenStore',
  context: ({ input }) => ({ record: null, generation: 0, deps: resolveDeps(input) }),
  initial: 'empty',
  states: {
    empty: {
      on: {
        BUILD: { target: 'holding', actions: 'storeFreshToken' },
        DELETE: { actions: 'replyRefused' },
        CONSUME: { actions: 'replyRefused' },
        CLEAR: { actions: 'replyEmptyClear' },
      },
    },
    holding: {
      on: {
        BUILD: { actions: 'storeFreshToken' },
        DELETE: [{ guard: 'candidateMatches', target: 'empty', actions: 'removeRecord' }, { actions: 'replyRefused' }],
        CONSUME: [{ guard: 'candidateMatches', target: 'empty', actions: 'removeRecord' }, { actions: 'replyRefused' }],
        CLEAR: { target: 'empty', actions: 'removeRecord' },
        'BreakGlass.EXPIRE': [
          { guard: and(['isOwnExpiry', 'deadlinePassed']), target: 'empty', actions: 'removeRecord' },
          { guard: 'isOwnExpiry', actions: 'rescheduleExpiry' },
        ],
      },
    },
  },
});

/** Wipes a reply's token after the library has copied it out. @internal */
export function wipeReplyToken(reply: TokenStoreReply): void {
  // Stryker disable next-line ConditionalExpression: equivalent, other replies carry no token, and wiping nothing does nothing
  if (reply.type === 'BreakGlass.BUILT') wipeSecretToken(reply.token);
}
