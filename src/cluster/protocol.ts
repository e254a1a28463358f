import type { BreakGlassErrorCode } from '../errors';

/**
 * Every replica message carries this tag, so the protocol can share a channel
 * with an application's own messages: untagged messages are not ours and are
 * left alone, tagged ones must follow the protocol or are rejected.
 * @internal
 */
export const REPLICA_TAG = 'break-glass.replica/1';

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

/** Owner to one replica: the answer to its call `id`, a result or an error code. @internal */
export type ReplyMessage =
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'reply'; readonly id: number; readonly result: WireResult }
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'reply'; readonly id: number; readonly error: BreakGlassErrorCode };

/** Replica to owner. @internal */
export type ReplicaMessage =
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'hello' }
  | { readonly tag: typeof REPLICA_TAG; readonly kind: 'ack'; readonly version: number }
  | {
      readonly tag: typeof REPLICA_TAG;
      readonly kind: 'call';
      readonly id: number;
      readonly op: ReplicaOperation;
      /** base64url text of the candidate, for delete and consume. */
      readonly token?: string;
    };

/** Owner to replica. @internal */
export type OwnerMessage = StateMessage | ReplyMessage;

/** How a message read: not ours (ignore it), ours and well formed, or ours and malformed (with the call id if one was readable). @internal */
export type Parsed<T> = { readonly kind: 'foreign' } | { readonly kind: 'valid'; readonly message: T } | { readonly kind: 'malformed'; readonly id?: number };

const FOREIGN = Object.freeze({ kind: 'foreign' as const });
// The canonical form only, as decodeToken accepts it: 42 free characters and a last one with no stray bits.
const BASE64URL_TOKEN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCallId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Reads a message from a replica. Anything from outside the owner's process is
 * untrusted: a getter that throws, a wrong type, an unknown operation or a token
 * that is not 43 characters of base64url all read as malformed, never throw.
 * @internal
 */
export function parseReplicaMessage(raw: unknown): Parsed<ReplicaMessage> {
  try {
    if (!isRecord(raw) || raw.tag !== REPLICA_TAG) return FOREIGN;
    const kind = raw.kind;
    if (kind === 'hello') return { kind: 'valid', message: { tag: REPLICA_TAG, kind } };
    if (kind === 'ack') {
      return isVersion(raw.version) ? { kind: 'valid', message: { tag: REPLICA_TAG, kind, version: raw.version } } : { kind: 'malformed' };
    }
    if (kind !== 'call') return { kind: 'malformed' };
    const { id, op, token } = raw;
    if (!isCallId(id)) return { kind: 'malformed' };
    if (typeof op !== 'string' || !OPERATIONS.includes(op)) return { kind: 'malformed', id };
    const needsToken = op === 'delete' || op === 'consume';
    if (needsToken !== (token !== undefined)) return { kind: 'malformed', id };
    if (needsToken && !(typeof token === 'string' && BASE64URL_TOKEN.test(token))) return { kind: 'malformed', id };
    const message: ReplicaMessage = { tag: REPLICA_TAG, kind, id, op: op as ReplicaOperation };
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
    typeof value.insertedAtMs === 'number' &&
    Number.isFinite(value.insertedAtMs) &&
    // A missing deadline must not read as "never expires": it is malformed, and the replica keeps what it had.
    (value.remainingMs === null || (typeof value.remainingMs === 'number' && Number.isFinite(value.remainingMs) && value.remainingMs >= 0))
  );
}

function isWireResult(value: unknown): value is WireResult {
  if (!isRecord(value)) return false;
  if (typeof value.token === 'string') {
    return BASE64URL_TOKEN.test(value.token) && Number.isFinite(value.insertedAtMs) && isVersion(value.version);
  }
  if (value.ok === false) return true;
  return value.ok === true && (value.insertedAtMs === undefined || Number.isFinite(value.insertedAtMs));
}

/**
 * Reads a message from the owner. The owner is trusted more than a worker, but a
 * replica still refuses to act on anything it cannot read: a malformed state
 * leaves the replica as it was, a malformed reply fails the call it names.
 * @internal
 */
export function parseOwnerMessage(raw: unknown): Parsed<OwnerMessage> {
  try {
    if (!isRecord(raw) || raw.tag !== REPLICA_TAG) return FOREIGN;
    if (raw.kind === 'state') {
      const { name, version, verifier } = raw;
      if (typeof name !== 'string' || !isVersion(version) || !(verifier === null || isWireVerifier(verifier))) {
        return { kind: 'malformed' };
      }
      return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'state', name, version, verifier } };
    }
    if (raw.kind !== 'reply' || !isCallId(raw.id)) return { kind: 'malformed' };
    const id = raw.id;
    if (typeof raw.error === 'string' && raw.error.startsWith('ERR_')) {
      return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'reply', id, error: raw.error as BreakGlassErrorCode } };
    }
    if (!isWireResult(raw.result)) return { kind: 'malformed', id };
    return { kind: 'valid', message: { tag: REPLICA_TAG, kind: 'reply', id, result: raw.result } };
  } catch {
    return { kind: 'malformed' };
  }
}
