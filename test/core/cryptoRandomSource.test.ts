import { cryptoRandomSource } from '../../src';

// The pool draws its batches with crypto.randomFillSync; the module object itself, so a spy sees them.
const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');

const POOL_SIZE = 4096;

afterEach(() => {
  jest.restoreAllMocks();
});

/** The bytes of the `batch`-th batch (1-based) from `start` to `end`: never zero, different for every batch. */
function pattern(batch: number, start: number, end: number): Buffer {
  return Buffer.from(Array.from({ length: end - start }, (_, i) => 1 + ((batch * 37 + start + i) % 255)));
}

/**
 * Replaces the CSPRNG with recognisable batches (see `pattern`) and keeps the buffer
 * each batch was written into, which is the pool itself.
 */
function patternedBatches(): { pools: Buffer[] } {
  const pools: Buffer[] = [];
  jest.spyOn(crypto, 'randomFillSync').mockImplementation(((buffer: Buffer) => {
    pools.push(buffer);
    pattern(pools.length, 0, buffer.length).copy(buffer);
    return buffer;
  }) as typeof crypto.randomFillSync);
  return { pools };
}

const isZero = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

describe('cryptoRandomSource()', () => {
  it.each([0, -1, 1.5, 4097, Number.NaN, Number.POSITIVE_INFINITY, '32'])('refuses the size %p with a RangeError, drawing nothing', (size) => {
    const { pools } = patternedBatches();
    let failure: unknown;
    try {
      cryptoRandomSource(size as number);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(RangeError);
    expect((failure as Error).message).toBe('cryptoRandomSource: size must be an integer from 1 to 4096');
    expect(pools).toEqual([]);
  });

  it('hands out any size from 1 to 4096 bytes', () => {
    expect(cryptoRandomSource(1)).toHaveLength(1);
    expect(cryptoRandomSource(32)).toHaveLength(32);
    expect(cryptoRandomSource(POOL_SIZE)).toHaveLength(POOL_SIZE);
  });

  it('hands out consecutive bytes of one 4 KiB batch, drawing the next only when a request no longer fits', () => {
    const { pools } = patternedBatches();
    // A full-pool request always takes a batch of its own, and leaves nothing over.
    expect(Buffer.from(cryptoRandomSource(POOL_SIZE)).equals(pattern(1, 0, POOL_SIZE))).toBe(true);
    expect(pools).toHaveLength(1);

    // 128 tokens of 32 bytes from the next batch, the last one ending exactly at its end.
    const tokens = Array.from({ length: POOL_SIZE / 32 }, () => Buffer.from(cryptoRandomSource(32)));
    expect(pools).toHaveLength(2);
    tokens.forEach((token, i) => expect(token.equals(pattern(2, i * 32, i * 32 + 32))).toBe(true));

    // The 129th does not fit: a fresh batch, from its start.
    expect(Buffer.from(cryptoRandomSource(32)).equals(pattern(3, 0, 32))).toBe(true);
    expect(pools).toHaveLength(3);
  });

  it('fills a batch up to its last byte (4095, then 4096 bytes used) and refills for the 4097th', () => {
    const { pools } = patternedBatches();
    cryptoRandomSource(POOL_SIZE);
    expect(Buffer.from(cryptoRandomSource(4000)).equals(pattern(2, 0, 4000))).toBe(true);
    expect(Buffer.from(cryptoRandomSource(95)).equals(pattern(2, 4000, 4095))).toBe(true);
    expect(Buffer.from(cryptoRandomSource(1)).equals(pattern(2, 4095, 4096))).toBe(true);
    expect(pools).toHaveLength(2);
    expect(Buffer.from(cryptoRandomSource(1)).equals(pattern(3, 0, 1))).toBe(true);
    expect(pools).toHaveLength(3);

    // A request larger than what is left skips the rest of the batch rather than splicing two.
    expect(Buffer.from(cryptoRandomSource(3999)).equals(pattern(3, 1, 4000))).toBe(true);
    expect(pools).toHaveLength(3);
    expect(Buffer.from(cryptoRandomSource(97)).equals(pattern(4, 0, 97))).toBe(true);
    expect(pools).toHaveLength(4);
  });

  it('zeroes the bytes it hands out in the pool, and each answer is memory of its own', () => {
    const { pools } = patternedBatches();
    cryptoRandomSource(POOL_SIZE);
    const first = cryptoRandomSource(32);
    const second = cryptoRandomSource(32);
    const pool = pools[1]!;
    expect(isZero(pool.subarray(0, 64))).toBe(true);
    expect(pool.subarray(64, 96).equals(pattern(2, 64, 96))).toBe(true);
    expect(Buffer.from(first).equals(pattern(2, 0, 32))).toBe(true);
    expect(Buffer.from(second).equals(pattern(2, 32, 64))).toBe(true);
    for (const answer of [first, second]) {
      expect(answer.buffer).not.toBe(pool.buffer);
      expect(answer.byteOffset).toBe(0);
      expect(answer.buffer.byteLength).toBe(32);
    }
    first.fill(0);
    expect(Buffer.from(second).equals(pattern(2, 32, 64))).toBe(true);
  });

  it('draws from the platform CSPRNG: fresh bytes each time, none of them left in the pool', () => {
    const pools: Buffer[] = [];
    const fill = crypto.randomFillSync;
    jest.spyOn(crypto, 'randomFillSync').mockImplementation(((buffer: Buffer) => {
      pools.push(buffer);
      return fill(buffer);
    }) as typeof crypto.randomFillSync);
    cryptoRandomSource(POOL_SIZE);
    const first = Buffer.from(cryptoRandomSource(32));
    const second = Buffer.from(cryptoRandomSource(32));
    expect(pools).toHaveLength(2);
    expect(first.equals(second)).toBe(false);
    expect(isZero(first) || isZero(second)).toBe(false);
    expect(isZero(pools[1]!.subarray(0, 64))).toBe(true);
  });
});
