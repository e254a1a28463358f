import type { BreakGlassErrorCode } from '../errors';

/**
 * Every replica message carries this tag, so the protocol can share a channel
 * with an application's own messages: untagged messages are not ours and are
 * left alone, tagged ones must follow the protocol or are rejected.
 *
 * Version 2: every message names the store it is about (`name`), so the
 * replicas and owners of several stores can share one channel. A version 1
 * peer's messages carry another tag and are ignored, never misread.
 * @internal
 */
export const REPLICA_TAG = 'break-glass.replica/2';

/** The writes a replica forwards to its owner. @internal */
export type ReplicaOperation = 'buildAndStore' | 'delete' | 'consume' | 'clear';
const OPERATIONS: readonly string[] = ['buildAndStore', 'delete', 'consume', 'clear'];

/**
 * What a replica needs to recognise the token without holding it: the SHA-256
 * digest (base64), the insertion time, and how long the token had left to live
 * when the owner sent this (null when it does not expire). The time left, not
 * the deadline: monotonic clocks of two processes share no origin, so the
 * replica adds it to its own clock on receipt. The whole verifier is null when
 * no token is active.
 * @internal
 */
export interface WireVerifier {
  readonly digest: string;
  readonly insertedAtMs: number;
  readonly remainingMs: number | null;
}

/** Owner to replica: the state as of `version`, sent to every replica. @internal */
export interface StateMessage {
  readonly tag: typeof REPLICA_TAG;
  readonly kind: 'state';
  readonly name: string;
  readonly version: number;
  readonly verifier: WireVerifier | null;
}

/** What a write answers, per operation. The token text goes only to the replica that asked. @internal */
export type WireResult =
  | { readonly token: string; readonly insertedAtMs: number; readonly version: number }
  | { readonly ok: true; readonly insertedAtMs?: number }
  | { readonly ok: false };

/**
 * Owner to one replica: the answer to its call `id`, a result or an error code.
 * `name` is the owner's store: call ids are per replica, so two replicas of
 * different stores on one channel may both be waiting on the same id.
 * @internal
 */
export type ReplyMessage =
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'reply'; readonly name: string; readonly id: number; readonly result: WireResult }
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'reply'; readonly name: string; readonly id: number; readonly error: BreakGlassErrorCode };

/** Replica to owner; `name` is the store the replica replicates, and only that store's owner acts on it. @internal */
export type ReplicaMessage =
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'hello'; readonly name: string }
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'ack'; readonly name: string; readonly version: number }
  | {
      readonly tag: typeof REPLICA_TAG;
      readonly kind: 'call';
      readonly name: string;
      readonly id: number;
      readonly op: ReplicaOperation;
      /** base64url text of the candidate, for delete and consume. */
      readonly token?: string;
    };

/** Owner to replica. @internal */
export type OwnerMessage = StateMessage | ReplyMessage;

/**
 * How a message read: not ours (untagged, or addressed to another store: ignore
 * it), ours and well formed, or ours and malformed (with the call id if one was
 * readable).
 * @internal
 */
export type Parsed<T> = { readonly kind: 'foreign' } | { readonly kind: 'valid'; readonly message: T } | { readonly kind: 'malformed'; readonly id?: number };

const FOREIGN = Object.freeze({ kind: 'foreign' as const });
// The canonical form only, as decodeToken accepts it: 42 free characters and a last one with no stray bits.
const BASE64URL_TOKEN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A call id or a state version: a safe integer from 0 up (`Number.isSafeInteger` is false for anything but a number). */
function isWholeNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Whom a tagged message is for: this store, another store (whose owner or
 * replica on the same channel will read it), or nobody readable (malformed).
 */
function addressee(raw: Record<string, unknown>, name: string): 'ours' | 'other' | 'unreadable' {
  const addressed = raw.name;
  if (typeof addressed !== 'string' || addressed.length === 0) return 'unreadable';
  if (addressed !== name) return 'other';
  // Stryker disable next-line StringLiteral: equivalent, both parsers compare the answer only with 'other' and 'unreadable', so any other text reads as ours
  return 'ours';
}

/**
 * Reads a message from a replica of the store `name`. Anything from outside the
 * owner's process is untrusted: a getter that throws, a missing name, a wrong
 * type, an unknown operation or a token that is not 43 characters of base64url
 * all read as malformed, never throw. A well-tagged message that names another
 * store reads as foreign, whatever else it holds: it is that store's owner's to
 * judge, not this one's.
 * @internal
 */
export function parseReplicaMessage(raw: unknown, name: string): Parsed<ReplicaMessage> {
  try {
    if (!isRecord(raw) || raw.tag !== REPLICA_TAG) return FOREIGN;
    const to = addressee(raw, name);
    if (to === 'other') return FOREIGN;
    const kind = raw.kind;
    const id = kind === 'call' && isWholeNumber(raw.id) ? raw.id : undefined;
    if (to === 'unreadable') return { kind: 'malformed', id };
    if (kind === 'hello') return { kind: 'valid', message: { tag: REPLICA_TAG, kind, name } };
    if (kind === 'ack') {
      return isWholeNumber(raw.version) ? { kind: 'valid', message: { tag: REPLICA_TAG, kind, name, version: raw.version } } : { kind: 'malformed' };
    }
    const { op, token } = raw;
    // Only a call has an id (see above): anything else left, and a call without a readable id, is malformed.
    if (id === undefined) return { kind: 'malformed' };
    if (!OPERATIONS.includes(op as string)) return { kind: 'malformed', id };
    const needsToken = op === 'delete' || op === 'consume';
    if (needsToken !== (token !== undefined)) return { kind: 'malformed', id };
    if (needsToken && !(typeof token === 'string' && BASE64URL_TOKEN.test(token))) return { kind: 'malformed', id };
    const message: ReplicaMessage = { tag: REPLICA_TAG, kind: 'call', name, id, op: op as ReplicaOperation };
    return { kind: 'valid', message: needsToken ? { ...message, token: token as string } : message };
  } catch {
    return { kind: 'malformed' };
  }
}

function isWireVerifier(value: unknown): value is WireVerifier {
  return (
    isRecord(value) &&
    typeof value.digest === 'string' &&
    BASE64_DIGEST.test(value.digest) &&
    // Number.isFinite is false for anything but a number.
    Number.isFinite(value.insertedAtMs) &&
    // A missing deadline must not read as "never expires": it is malformed, and the replica keeps what it had.
    (value.remainingMs === null || (Number.isFinite(value.remainingMs) && (value.remainingMs as number) >= 0))
  );
}

function isWireResult(value: unknown): value is WireResult {
  if (!isRecord(value)) return false;
  if (typeof value.token === 'string') {
    return BASE64URL_TOKEN.test(value.token) && Number.isFinite(value.insertedAtMs) && isWholeNumber(value.version);
  }
  if (value.ok === false) return true;
  return value.ok === true && (value.insertedAtMs === undefined || Number.isFinite(value.insertedAtMs));
}

/**
 * Reads a message from the owner of the store `name`. The owner is trusted more
 * than a worker, but a replica still refuses to act on anything it cannot read:
 * a malformed state leaves the replica as it was, a malformed reply fails the
 * call it names. A state or reply that names another store reads as foreign:
 * it belongs to another store's replica on the same channel, and applying it
 * would make this replica accept that store's token.
 * @internal
 */
export function parseOwnerMessage(raw: unknown, name: string): Parsed<OwnerMessage> {
  try {
    if (!isRecord(raw) || raw.tag !== REPLICA_TAG) return FOREIGN;
    const to = addressee(raw, name);
    if (to === 'other') return FOREIGN;
    // Without a readable name a reply may be another replica's: it names no call of ours to fail.
    if (to === 'unreadable') return { kind: 'malformed' };
    if (raw.kind === 'state') {
      const { version, verifier } = raw;
      if (!isWholeNumber(version) || !(verifier === null || isWireVerifier(verifier))) return { kind: 'malformed' };
      return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'state', name, version, verifier } };
    }
    if (raw.kind !== 'reply' || !isWholeNumber(raw.id)) return { kind: 'malformed' };
    const id = raw.id;
    if (typeof raw.error === 'string' && raw.error.startsWith('ERR_')) {
      return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'reply', name, id, error: raw.error as BreakGlassErrorCode } };
    }
    if (!isWireResult(raw.result)) return { kind: 'malformed', id };
    return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'reply', name, id, result: raw.result } };
  } catch {
    return { kind: 'malformed' };
  }
}
