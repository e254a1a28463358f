import { heapCopy, isTokenBytes, ownedCopy } from './bytes';
import { redactRendering } from './redaction';

// Brand-checked with `#bytes in`, not instanceof: an object faked from the prototype
// or a Proxy has no private field and is simply not a token.
let bytesOf: (value: unknown) => Uint8Array | null | undefined;
let wipe: (token: SecretToken) => void;

/**
 * A token travelling in an event: the candidate of a `DELETE` or `CONSUME`, or the
 * fresh token in a `BUILD` reply. It renders as a redacted marker in
 * `JSON.stringify`, `util.inspect`, string conversion and every inspection event,
 * so an event log never carries the token; only {@link SecretToken.unwrap} gives
 * the bytes back, to the code that holds the event.
 *
 * @example
 * ```ts
 * store.send({ type: 'DELETE', token: SecretToken.wrap(bytes), replyTo: self });
 * ```
 */
export class SecretToken {
  #bytes: Uint8Array | null;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  static {
    bytesOf = (value) =>
      typeof value === 'object' && value !== null && #bytes in value ? (value as SecretToken).#bytes : undefined;
    wipe = (token) => {
      if (typeof token !== 'object' || token === null || !(#bytes in token)) return;
      token.#bytes?.fill(0);
      token.#bytes = null;
    };
  }

  /**
   * Wraps a copy of a 32-byte token.
   * @throws TypeError when `bytes` is not a 32-byte `Uint8Array`.
   */
  static wrap(bytes: Uint8Array): SecretToken {
    if (!isTokenBytes(bytes)) throw new TypeError('SecretToken.wrap: bytes must be a 32-byte Uint8Array');
    return new SecretToken(heapCopy(bytes));
  }

  /**
   * A fresh copy of the token's bytes, the caller's own to keep or wipe.
   * @throws TypeError when the library already wiped this wrapper after use.
   */
  unwrap(): Buffer {
    const bytes = this.#bytes;
    if (bytes === null) throw new TypeError('SecretToken.unwrap: this token was wiped after use');
    return ownedCopy(bytes);
  }
}
redactRendering(SecretToken, 'SecretToken');

/** The wrapped bytes, without a copy, or undefined for anything that is not a live SecretToken. @internal */
export function secretTokenBytes(value: unknown): Uint8Array | undefined {
  return bytesOf(value) ?? undefined;
}

/** Zero-fills a wrapper the library created and no longer needs. @internal */
export function wipeSecretToken(token: SecretToken): void {
  wipe(token);
}
