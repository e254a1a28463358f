import { randomFillSync } from 'node:crypto';
import { heapCopy } from './bytes';

/** Where token bytes come from: returns `size` fresh random bytes. */
export type RandomSource = (size: number) => Uint8Array;

const POOL_SIZE = 4096;
let pool: Buffer | undefined;
let offset = POOL_SIZE;

/**
 * The platform CSPRNG, drawn in 4 KiB batches: one `randomFillSync` call per 128
 * tokens instead of one per token, the same technique nanoid uses. Every byte is
 * handed out once and zeroed in the pool as it leaves, so the pool never holds
 * bytes of a token that was already issued.
 */
export const cryptoRandomSource: RandomSource = (size) => {
  if (!Number.isInteger(size) || size <= 0 || size > POOL_SIZE) {
    throw new RangeError(`cryptoRandomSource: size must be an integer from 1 to ${POOL_SIZE}`);
  }
  if (pool === undefined) pool = Buffer.allocUnsafeSlow(POOL_SIZE);
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + size);
  const out = heapCopy(slice);
  slice.fill(0);
  offset += size;
  return out;
};
