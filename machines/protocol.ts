import type { AnyActorRef } from 'xstate';
import type { SealedToken } from '../src/lib/sealedToken';
import type { SecretToken } from '../src/lib/secretToken';
import type { RandomSource } from '../src/lib/entropy';

/** A caller's correlation id, echoed in the reply: a string of up to 200 characters or a finite number. */
export type RequestId = string | number;

/** Where the store sends its answer, and the id to answer with. */
export interface ReplyAddress {
  readonly replyTo?: AnyActorRef;
  readonly requestId?: RequestId;
}

/** Replaces the active token with a fresh one; replied to with {@link BuiltReply}. */
export interface BuildEvent extends ReplyAddress {
  readonly type: 'BUILD';
}
/** Removes the active token if `token` still matches it when the store processes the event. */
export interface DeleteEvent extends ReplyAddress {
  readonly type: 'DELETE';
  readonly token: SecretToken;
}
/** Like DELETE, and answers with the token's insertion time: single use, in one step. */
export interface ConsumeEvent extends ReplyAddress {
  readonly type: 'CONSUME';
  readonly token: SecretToken;
}
/** Removes the active token, whatever it is. */
export interface ClearEvent extends ReplyAddress {
  readonly type: 'CLEAR';
}
/** Sent by the store to itself when a token's time to live ends. @internal */
export interface ExpireEvent {
  readonly type: 'BreakGlass.EXPIRE';
  readonly generation: number;
}

/** Every event the token store accepts from other actors. */
export type TokenStoreEvent = BuildEvent | DeleteEvent | ConsumeEvent | ClearEvent;
/** @internal */
export type TokenStoreMachineEvent = TokenStoreEvent | ExpireEvent;

/** Why a request changed nothing. */
export type RefusalReason = 'no_match' | 'malformed';

export interface BuiltReply {
  readonly type: 'BreakGlass.BUILT';
  readonly requestId: RequestId | undefined;
  /** The new token, wrapped: it serialises as a redacted marker until unwrapped. */
  readonly token: SecretToken;
  readonly insertedAt: Date;
  readonly fingerprint: string;
}
export type DeletedReply =
  | { readonly type: 'BreakGlass.DELETED'; readonly requestId: RequestId | undefined; readonly ok: true }
  | {
      readonly type: 'BreakGlass.DELETED';
      readonly requestId: RequestId | undefined;
      readonly ok: false;
      readonly reason: RefusalReason;
    };
export type ConsumedReply =
  | {
      readonly type: 'BreakGlass.CONSUMED';
      readonly requestId: RequestId | undefined;
      readonly ok: true;
      readonly insertedAt: Date;
    }
  | {
      readonly type: 'BreakGlass.CONSUMED';
      readonly requestId: RequestId | undefined;
      readonly ok: false;
      readonly reason: RefusalReason;
    };
export interface ClearedReply {
  readonly type: 'BreakGlass.CLEARED';
  readonly requestId: RequestId | undefined;
  readonly ok: true;
}
/** Every event the token store sends to a `replyTo`. */
export type TokenStoreReply = BuiltReply | DeletedReply | ConsumedReply | ClearedReply;

/**
 * Audit events the store emits (`actor.on(type, …)`). They carry a time and a
 * fingerprint, never the token.
 */
export type TokenStoreAuditEvent =
  | { readonly type: 'token.built'; readonly at: Date; readonly fingerprint: string; readonly replaced: string | null }
  | { readonly type: 'token.deleted'; readonly at: Date; readonly fingerprint: string }
  | { readonly type: 'token.consumed'; readonly at: Date; readonly fingerprint: string }
  | { readonly type: 'token.cleared'; readonly at: Date; readonly fingerprint: string | null }
  | { readonly type: 'token.expired'; readonly at: Date; readonly fingerprint: string }
  | {
      readonly type: 'event.rejected';
      readonly at: Date;
      readonly event: string;
      readonly reason: 'malformed_token' | 'unusable_reply_to';
    };

/** The one active token: sealed bytes and when it was stored. */
export interface ActiveRecord {
  readonly sealed: SealedToken;
  /** Wall-clock milliseconds since the epoch, from the store's `now`. */
  readonly insertedAtMs: number;
  /** Deadline on the store's monotonic clock, or null when tokens do not expire. */
  readonly expiresAtTick: number | null;
  readonly generation: number;
}

/** The store's sources of randomness and time, replaceable through input for tests. */
export interface TokenStoreDeps {
  readonly randomBytes: RandomSource;
  /** Wall clock, milliseconds since the epoch: the `insertedAt` of a token. */
  readonly now: () => number;
  /** A clock that never goes back, in milliseconds: what expiry is measured on. */
  readonly monotonicNow: () => number;
  /** A token's time to live in milliseconds, or null for no expiry (the default, as in the seed). */
  readonly ttlMs: number | null;
}

export interface TokenStoreContext {
  readonly record: ActiveRecord | null;
  /** Counts tokens built, so a late expiry timer can tell it is about an older one. */
  readonly generation: number;
  readonly deps: TokenStoreDeps;
}

/** Input to the machine; every field is optional. */
// `void` rather than `undefined`: XState infers input types from an optional field, which drops
// `undefined`, and a parent could then not spawn the store without an input.
export type TokenStoreInput = Partial<TokenStoreDeps> | void;
