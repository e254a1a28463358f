import { performance } from 'node:perf_hooks';
import { cryptoRandomSource } from '../src/lib/entropy';
import type { TokenStoreDeps, TokenStoreInput } from './protocol';

/**
 * Fills in the defaults and rejects values that would make a weak or immortal
 * token: a caller mistake here is a TypeError or RangeError naming the field.
 */
export function resolveDeps(input: TokenStoreInput): TokenStoreDeps {
  const given = input ?? {};
  const randomBytes = given.randomBytes ?? cryptoRandomSource;
  const now = given.now ?? Date.now;
  const monotonicNow = given.monotonicNow ?? (() => performance.now());
  const ttlMs = given.ttlMs ?? null;
  if (typeof randomBytes !== 'function') throw new TypeError('input.randomBytes must be a function');
  if (typeof now !== 'function') throw new TypeError('input.now must be a function');
  if (typeof monotonicNow !== 'function') throw new TypeError('input.monotonicNow must be a function');
  if (ttlMs !== null && !(typeof ttlMs === 'number' && Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError('input.ttlMs must be a positive whole number of milliseconds');
  }
  return { randomBytes, now, monotonicNow, ttlMs };
}
