import { timingSafeEqual } from 'node:crypto';

/** The length of every break-glass token, in bytes. */
export const TOKEN_LENGTH = 32;

// The intrinsic getters of %TypedArray%.prototype read a typed array's internal
// slots, whatever its prototype chain or own properties claim: the length that
// `timingSafeEqual` will see is the length checked here.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsicByteLength = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'byteLength')!.get!;
const intrinsicKind = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)!.get!;

/**
 * True for a `Uint8Array` (a Buffer or any view into a larger buffer) of exactly
 * {@link TOKEN_LENGTH} bytes. A `DataView`, a bare `ArrayBuffer`, another typed
 * array, a string or an array of numbers is not a token, even when it holds the
 * right bytes; nor is an object that only pretends to be one (a fake prototype,
 * a Proxy, a subclass lying about its length), so a check never throws later.
 * @internal
 */
export function isTokenBytes(value: unknown): value is Uint8Array {
  return (
    ArrayBuffer.isView(value) &&
    intrinsicKind.call(value) === 'Uint8Array' &&
    intrinsicByteLength.call(value) === TOKEN_LENGTH
  );
}

/**
 * Compares two byte strings without an early exit, so the time taken does not
 * tell an attacker how many leading bytes were right. Unequal lengths answer
 * false at once: the length of a token is public, its bytes are not.
 * @internal
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  // The intrinsic getter, not `b.byteLength`: a subclass's getter could answer 32 and
  // shrink a resizable buffer behind it, and timingSafeEqual would then throw.
  return intrinsicByteLength.call(a) === intrinsicByteLength.call(b) && timingSafeEqual(a, b);
}

/**
 * A private copy of a token's bytes for the library's own use. A typed array this
 * small lives on V8's heap (no separate backing store to allocate and finalise),
 * which keeps the garbage collector out of the write path; it is still memory of
 * its own, never Node's shared Buffer pool.
 * @internal
 */
export function heapCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A copy of `bytes` in a Buffer of its own, outside Node's shared pool. @internal */
export function ownedCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
