import { hash } from 'node:crypto';
import { constantTimeEqual, heapCopy, TOKEN_LENGTH } from './bytes';
import { redactRendering } from './redaction';

let bytesOf: (value: unknown) => Uint8Array | null;
let dropBytes: (sealed: SealedToken) => void;
let digestOf: (sealed: SealedToken, bytes: Uint8Array) => Buffer;

/**
 * The stored form of the active token: its bytes sit in a private field that no
 * code outside this module can read, so a snapshot, a persisted snapshot or an
 * inspection event that carries the record carries nothing secret. It renders as
 * a redacted marker everywhere.
 *
 * Lookups cost one constant-time comparison rather than a hash per candidate,
 * which is why the bytes are kept sealed instead of digested.
 */
export class SealedToken {
  #bytes: Uint8Array | null;
  readonly #fingerprint: string;
  #digest: Buffer | undefined;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    // Named at once: the store reports every token it builds by its fingerprint, and a
    // wiped token keeps its name for the audit events about its removal.
    this.#fingerprint = fingerprintOf(bytes);
  }

  static {
    // `#bytes in` rather than instanceof: a fake built from the prototype has no field.
    bytesOf = (value) =>
      typeof value === 'object' && value !== null && #bytes in value ? (value as SealedToken).#bytes : null;
    dropBytes = (sealed) => {
      sealed.#bytes = null;
      // A digest is enough to recognise the token: it goes with the bytes.
      sealed.#digest?.fill(0);
      sealed.#digest = undefined;
    };
    digestOf = (sealed, bytes) => {
      sealed.#digest ??= hash('sha256', bytes, 'buffer');
      return sealed.#digest;
    };
  }

  /** Seals a copy of `bytes`; the caller may wipe its own buffer afterwards. @internal */
  static seal(bytes: Uint8Array): SealedToken {
    return new SealedToken(heapCopy(bytes));
  }

  /**
   * A short, non-reversible name for the token (16 hex digits of its SHA-256), for
   * audit trails and operators. Computed when the token is sealed, and kept after a wipe.
   */
  get fingerprint(): string {
    return this.#fingerprint;
  }
}
redactRendering(SealedToken, 'SealedToken');

/** 16 hex digits of SHA-256: enough to tell tokens apart, far too few to rebuild one. @internal */
export function fingerprintOf(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex').slice(0, 16);
}

// Compared against when nothing is stored, so "no token" and "wrong token" take the same time.
const DECOY = Buffer.alloc(TOKEN_LENGTH);

/**
 * Constant-time check of `candidate` against a sealed token. A wiped or absent
 * seal never matches, not even an all-zero candidate.
 * @internal
 */
export function sealedMatches(sealed: SealedToken | null | undefined, candidate: Uint8Array): boolean {
  const bytes = bytesOf(sealed);
  if (bytes === null) {
    constantTimeEqual(DECOY, candidate);
    return false;
  }
  return constantTimeEqual(bytes, candidate);
}

/**
 * The SHA-256 digest of a sealed token, or null for a wiped or absent seal:
 * what a replica is sent to recognise the token without holding it. Computed on
 * first use and kept with the seal; the answer is the caller's own copy.
 * @internal
 */
export function sealedDigest(sealed: SealedToken | null | undefined): Buffer | null {
  const bytes = bytesOf(sealed);
  if (bytes === null) return null;
  return Buffer.from(digestOf(sealed as SealedToken, bytes));
}

/** Zero-fills a seal that is being dropped, and makes it match nothing from then on. @internal */
export function wipeSealed(sealed: SealedToken | null | undefined): void {
  const bytes = bytesOf(sealed);
  // Only a live SealedToken has bytes to drop.
  if (bytes === null) return;
  bytes.fill(0);
  dropBytes(sealed as SealedToken);
}
