import { hash } from 'node:crypto';
import { constantTimeEqual, isTokenBytes } from '../lib/bytes';
import { redactRendering } from '../lib/redaction';
import { SealedToken, sealedMatches, wipeSealed } from '../lib/sealedToken';
import type { LookupResult } from '../tokenStoreHandle';
import type { WireVerifier } from './protocol';

const REFUSED: LookupResult = Object.freeze({ ok: false as const });
// Hashed and compared against when the replica holds nothing, so "no token" costs what a miss costs.
const DECOY_DIGEST = Buffer.alloc(32);

/** SHA-256 of a token: what the owner ships to replicas instead of the token. @internal */
export function tokenDigest(token: Uint8Array): Buffer {
  return hash('sha256', token, 'buffer');
}

/**
 * What a replica knows about the active token: its digest, its insertion time,
 * its deadline on this replica's own monotonic clock when it expires, and the
 * version of the owner's state they came from. A lookup hashes the
 * candidate and compares digests in constant time; the first candidate that
 * matches is kept sealed (the worker already held those bytes: they came with
 * its own request, not over the channel), and later lookups are one
 * constant-time comparison against them, with no hash. There is one token, so
 * after that a mismatch is a certain miss.
 *
 * Renders as `[redacted]`; the learned bytes are zero-filled when the version
 * changes, the deadline passes, or the replica empties.
 * @internal
 */
export class ReplicaVerifier {
  readonly #monotonicNow: () => number;
  #version = 0;
  #digest: Buffer | null = null;
  #insertedAtMs = 0;
  #expiresAtTick: number | null = null;
  #highWaterTick = Number.NEGATIVE_INFINITY;
  #learned: SealedToken | null = null;

  /** `monotonicNow`: a clock in ms that never goes back, on which the token's deadline is kept. */
  constructor(monotonicNow: () => number) {
    this.#monotonicNow = monotonicNow;
  }

  /** The version of the owner's state held now; 0 before the first one arrived. */
  get version(): number {
    return this.#version;
  }

  /** True once a state from the owner arrived, even an empty one. */
  get ready(): boolean {
    return this.#version > 0;
  }

  /** Takes the owner's state `version`; an older or repeated one changes nothing. Answers whether it applied. */
  apply(version: number, verifier: WireVerifier | null): boolean {
    if (version <= this.#version) return false;
    this.#forget();
    this.#version = version;
    if (verifier !== null) {
      // 32 bytes, as the parser admits only 44 characters of base64; a digest of any other length would match nothing.
      this.#digest = Buffer.from(verifier.digest, 'base64');
      this.#insertedAtMs = verifier.insertedAtMs;
      // The owner's time left becomes a deadline on this clock now: the transit time only ever errs on the late side by the IPC delay.
      this.#expiresAtTick = verifier.remainingMs === null ? null : this.#tick() + verifier.remainingMs;
    }
    return true;
  }

  /** Drops the token for good (the owner is gone): every lookup refuses from now on. */
  empty(): void {
    this.#forget();
  }

  /** Constant-time check of `candidate`; never throws. */
  lookup(candidate: Uint8Array): LookupResult {
    if (!isTokenBytes(candidate)) return REFUSED;
    if (this.#learned !== null) return sealedMatches(this.#learned, candidate) && this.#live() ? this.#found() : REFUSED;
    const digest = this.#digest;
    const matches =
      constantTimeEqual(tokenDigest(candidate), digest ?? DECOY_DIGEST) &&
      // Stryker disable next-line ConditionalExpression: equivalent, only a SHA-256 preimage of 32 zero bytes would match the decoy
      digest !== null;
    if (!matches || !this.#live()) return REFUSED;
    this.#learned = SealedToken.seal(candidate);
    return this.#found();
  }

  /**
   * Seals the token a build of this replica's own answered, so its first lookup
   * costs no hash: a lookup does it. A token that is not the one of the state
   * held now is a miss, which changes nothing.
   */
  learn(token: Uint8Array): void {
    this.lookup(token);
  }

  /**
   * False from the deadline on, whether or not the owner's expiry has arrived: the
   * token is then forgotten, since no later reading of this version can revive it.
   */
  #live(): boolean {
    if (this.#expiresAtTick === null || this.#tick() < this.#expiresAtTick) return true;
    this.#forget();
    return false;
  }

  /** The monotonic clock, held to its highest reading, so a clock that steps back never extends a token's life. */
  #tick(): number {
    const tick = this.#monotonicNow();
    // Stryker disable next-line EqualityOperator: equivalent, >= only writes back the same value
    if (tick > this.#highWaterTick) this.#highWaterTick = tick;
    return this.#highWaterTick;
  }

  #found(): LookupResult {
    return { ok: true, insertedAt: new Date(this.#insertedAtMs) };
  }

  #forget(): void {
    wipeSealed(this.#learned);
    this.#learned = null;
    this.#digest?.fill(0);
    this.#digest = null;
    this.#expiresAtTick = null;
  }
}
redactRendering(ReplicaVerifier, 'ReplicaVerifier');
