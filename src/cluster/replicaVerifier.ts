import { hash } from 'node:crypto';
import { constantTimeEqual, isTokenBytes, TOKEN_LENGTH } from '../lib/bytes';
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
 * and the version of the owner's state they came from. A lookup hashes the
 * candidate and compares digests in constant time; the first candidate that
 * matches is kept sealed (the worker already held those bytes: they came with
 * its own request, not over the channel), and later lookups are one
 * constant-time comparison against them, with no hash. There is one token, so
 * after that a mismatch is a certain miss.
 *
 * Renders as `[redacted]`; the learned bytes are zero-filled when the version
 * changes or the replica empties.
 * @internal
 */
export class ReplicaVerifier {
  #version = 0;
  #digest: Buffer | null = null;
  #insertedAtMs = 0;
  #learned: SealedToken | null = null;

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
      const digest = Buffer.from(verifier.digest, 'base64');
      if (digest.byteLength === 32) {
        this.#digest = digest;
        this.#insertedAtMs = verifier.insertedAtMs;
      }
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
    if (this.#learned !== null) return sealedMatches(this.#learned, candidate) ? this.#found() : REFUSED;
    const digest = this.#digest;
    const matches = constantTimeEqual(tokenDigest(candidate), digest ?? DECOY_DIGEST) && digest !== null;
    if (!matches) return REFUSED;
    this.#learned = SealedToken.seal(candidate);
    return this.#found();
  }

  /** Seals the token a build of this replica's own answered, when it is the one of the state held now. */
  learn(token: Uint8Array, version: number): void {
    if (version === this.#version && this.#learned === null && token.byteLength === TOKEN_LENGTH) this.lookup(token);
  }

  #found(): LookupResult {
    return { ok: true, insertedAt: new Date(this.#insertedAtMs) };
  }

  #forget(): void {
    wipeSealed(this.#learned);
    this.#learned = null;
    this.#digest?.fill(0);
    this.#digest = null;
  }
}
redactRendering(ReplicaVerifier, 'ReplicaVerifier');
