import { inspect } from 'node:util';

/** What every secret-holding value renders as, in JSON and in `util.inspect`. */
export const REDACTED = '[redacted]';

/**
 * Gives a class the redacted renderings: `JSON.stringify` and `util.inspect`
 * print the marker, whatever the instance holds.
 * @internal
 */
export function redactRendering(target: { prototype: object }, label: string): void {
  Object.defineProperties(target.prototype, {
    toJSON: { value: () => REDACTED },
    toString: { value: () => `${label} ${REDACTED}` },
    [inspect.custom]: { value: () => `${label} ${REDACTED}` },
    // Stryker disable next-line ObjectLiteral: equivalent, without the hook every conversion falls back to the toString above, which gives the same text and cannot be replaced
    [Symbol.toPrimitive]: { value: () => `${label} ${REDACTED}` },
  });
}
