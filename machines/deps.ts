import { cryptoRandomSource } from '../src/lib/entropy';
import type { TokenStoreDeps, TokenStoreInput } from './protocol';

/**
 * Fills in the defaults and rejects values that would make a weak or immortal
 * token: a caller mistake here is a TypeError or RangeError naming the field.
 */
/** The longest time to live a Node timer can wait for. */
export const MAX_TTL_MS = 2 ** 31 - 1;

export function resolveDeps(input: TokenStoreInput): TokenStoreDeps {
  const given = input ?? {};
  const randomBytes = given.randomBytes ?? cryptoRandomSource;
  const now = given.now ?? Date.now;
  // The global `performance`, not perf_hooks': a test's fake timers replace the global,
  // so the default clock and the expiry timer then move together.
  const monotonicNow = given.monotonicNow ?? (() => performance.now());
  const ttlMs = given.ttlMs ?? null;
  if (typeof randomBytes !== 'function') throw new TypeError('input.randomBytes must be a function');
  if (typeof now !== 'function') throw new TypeError('input.now must be a function');
  if (typeof monotonicNow !== 'function') throw new TypeError('input.monotonicNow must be a function');
  // Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer delay fires
  // after 1 ms instead, which would make every token expire at once. Number.isSafeInteger
  // is false for anything that is not a number.
  if (ttlMs !== null && !(Number.isSafeInteger(ttlMs) && ttlMs > 0 && ttlMs <= MAX_TTL_MS)) {
    throw new RangeError('input.ttlMs must be a whole number of milliseconds from 1 to 2147483647');
  }
  return { randomBytes, now, monotonicNow, ttlMs };
}
