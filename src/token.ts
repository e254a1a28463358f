import { isTokenBytes, ownedCopy, TOKEN_LENGTH } from './lib/bytes';
import { MalformedTokenError } from './errors';

declare const tokenBrand: unique symbol;

/**
 * The 32 bytes of a break-glass token, as handed out by `buildAndStore` and
 * `decodeToken`. The brand keeps a string or a number array from being passed
 * where a token is meant; `lookup` and `delete` still check every input at run
 * time, and accept any 32-byte `Uint8Array`.
 */
export type Token = Buffer & { readonly [tokenBrand]: true };

/** Marks fresh bytes the library owns as a token. @internal */
export function mintToken(bytes: Uint8Array): Token {
  return ownedCopy(bytes) as Token;
}

const BASE64URL_TOKEN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * A token as text for transport: 43 characters of base64url, no padding.
 *
 * @example
 * ```ts
 * const text = encodeToken(await TokenStore.buildAndStore());
 * ```
 * @throws TypeError when `token` is not a 32-byte `Uint8Array`.
 */
export function encodeToken(token: Uint8Array): string {
  if (!isTokenBytes(token)) throw new TypeError('encodeToken: token must be a 32-byte Uint8Array');
  return Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('base64url');
}

/**
 * Reads a token from text that may be anything (a header, a form field): the
 * token, or undefined for anything that is not the canonical 43-character
 * base64url form. Never throws, so it suits request handlers.
 *
 * @example
 * ```ts
 * const token = tryDecodeToken(request.headers.authorization?.replace(/^Bearer /i, ''));
 * const allowed = token !== undefined && TokenStore.lookup(token).ok;
 * ```
 */
export function tryDecodeToken(text: unknown): Token | undefined {
  // The pattern is anchored at both ends and flagless: it reads at most 44 characters of
  // any input, so no separate length check is needed in front of it.
  if (typeof text !== 'string' || !BASE64URL_TOKEN.test(text)) return undefined;
  return decodeToken(text);
}

/**
 * Reads a token back from its base64url text. Only the canonical 43-character
 * form is accepted (Node's own decoder would skip stray characters and ignore
 * trailing bits, so two different texts could name one token).
 *
 * @example
 * ```ts
 * const result = TokenStore.lookup(decodeToken(header.slice('Bearer '.length)));
 * ```
 * @throws MalformedTokenError (`ERR_TOKEN_MALFORMED`) for anything else; the message never repeats the text.
 */
export function decodeToken(text: string): Token {
  if (typeof text !== 'string') throw new MalformedTokenError('expected a string');
  if (text.length !== 43) throw new MalformedTokenError('expected 43 characters of base64url');
  if (!BASE64URL_TOKEN.test(text)) throw new MalformedTokenError('expected only base64url characters, unpadded');
  // Node decodes small strings into its shared 8 KiB pool, where any other pooled
  // Buffer's `.buffer` could read the token: copy out to memory of its own, wipe the pool's copy.
  const decoded = Buffer.from(text, 'base64url');
  try {
    // Unreachable for text that passed the pattern; kept so a decoder change can never yield a short token.
    if (decoded.byteLength !== TOKEN_LENGTH) throw new MalformedTokenError('expected 32 bytes');
    return mintToken(decoded);
  } finally {
    decoded.fill(0);
  }
}
