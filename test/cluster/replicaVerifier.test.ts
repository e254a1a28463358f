import { createHash } from 'node:crypto';
import { ReplicaVerifier, tokenDigest } from '../../src/cluster/replicaVerifier';
import { recordHeapCopies } from '../support/heapCopies';

// The module object itself, so that a spy sees the library's own calls.
const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');

afterEach(() => {
  jest.restoreAllMocks();
});

const INSERTED_AT_MS = 1_700_000_000_000;
const TOKEN = Buffer.alloc(32, 7);
const OTHER = Buffer.alloc(32, 8);

function clock(start = 0): { now: () => number; set: (tick: number) => void } {
  let tick = start;
  return { now: () => tick, set: (next) => void (tick = next) };
}

function verifierFor(token: Buffer, remainingMs: number | null = null, insertedAtMs = INSERTED_AT_MS) {
  return { digest: tokenDigest(token).toString('base64'), insertedAtMs, remainingMs };
}

const FOUND = { ok: true, insertedAt: new Date(INSERTED_AT_MS) };
const REFUSED = { ok: false };

describe('tokenDigest()', () => {
  it('is the SHA-256 digest of the token bytes', () => {
    expect(tokenDigest(TOKEN).equals(createHash('sha256').update(TOKEN).digest())).toBe(true);
  });
});

describe('ReplicaVerifier', () => {
  it('is not ready, at version 0, and refuses everything until a state arrives; an empty state makes it ready and still refusing', () => {
    const verifier = new ReplicaVerifier(clock().now);
    expect([verifier.ready, verifier.version]).toEqual([false, 0]);
    expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
    expect(verifier.lookup(Buffer.alloc(32))).toEqual(REFUSED);
    expect(verifier.apply(0, verifierFor(TOKEN))).toBe(false);
    expect([verifier.ready, verifier.version]).toEqual([false, 0]);
    expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
    expect(verifier.apply(1, null)).toBe(true);
    expect([verifier.ready, verifier.version]).toEqual([true, 1]);
    expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
    expect(verifier.lookup(Buffer.alloc(32))).toEqual(REFUSED);
  });

  it('accepts the token whose digest it holds, with its insertion time, on every lookup, and nothing else before or after', () => {
    const verifier = new ReplicaVerifier(clock().now);
    expect(verifier.apply(1, verifierFor(TOKEN))).toBe(true);
    expect(verifier.lookup(OTHER)).toEqual(REFUSED);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    expect(verifier.lookup(new Uint8Array(TOKEN))).toEqual(FOUND);
    expect(verifier.lookup(OTHER)).toEqual(REFUSED);
    expect(verifier.lookup(Buffer.alloc(32))).toEqual(REFUSED);
    for (const notToken of [TOKEN.subarray(0, 31), Buffer.concat([TOKEN, Buffer.alloc(1)]), new Uint16Array(16), TOKEN.toString('hex'), [...TOKEN]]) {
      expect(verifier.lookup(notToken as Uint8Array)).toEqual(REFUSED);
    }
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
  });

  it('refuses a non-token candidate before it has matched the token once, too', () => {
    const verifier = new ReplicaVerifier(clock().now);
    verifier.apply(1, verifierFor(TOKEN));
    expect(verifier.lookup(new Uint16Array(TOKEN.buffer, TOKEN.byteOffset, 16) as unknown as Uint8Array)).toEqual(REFUSED);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
  });

  it('ignores a repeated or older version, and answers that it did', () => {
    const verifier = new ReplicaVerifier(clock().now);
    verifier.apply(2, verifierFor(TOKEN));
    expect(verifier.apply(2, verifierFor(OTHER))).toBe(false);
    expect(verifier.apply(1, null)).toBe(false);
    expect(verifier.version).toBe(2);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    expect(verifier.lookup(OTHER)).toEqual(REFUSED);
  });

  it('forgets the token of the version it held on a later one, whether or not it had matched it', () => {
    for (const matchedFirst of [false, true]) {
      const verifier = new ReplicaVerifier(clock().now);
      verifier.apply(1, verifierFor(TOKEN));
      if (matchedFirst) expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      expect(verifier.apply(5, verifierFor(OTHER, null, 42))).toBe(true);
      expect(verifier.version).toBe(5);
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      expect(verifier.lookup(OTHER)).toEqual({ ok: true, insertedAt: new Date(42) });
      expect(verifier.apply(6, null)).toBe(true);
      expect(verifier.lookup(OTHER)).toEqual(REFUSED);
    }
  });

  it('refuses the token from the time left on its own clock at the state\'s arrival on, matched before or not, and never again after', () => {
    for (const matchedFirst of [false, true]) {
      const time = clock(5_000);
      const verifier = new ReplicaVerifier(time.now);
      verifier.apply(1, verifierFor(TOKEN, 1_000));
      if (matchedFirst) expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      time.set(5_999);
      expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      time.set(6_000);
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      time.set(5_000);
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      verifier.learn(TOKEN);
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      // A later state brings a token back: only the version's own token was forgotten.
      verifier.apply(2, verifierFor(TOKEN, 1_000));
      expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    }
  });

  it('refuses at once a token with no time left', () => {
    const verifier = new ReplicaVerifier(clock(10).now);
    verifier.apply(1, verifierFor(TOKEN, 0));
    expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
  });

  it('keeps no deadline from an expiring version for a later one that does not expire', () => {
    const time = clock(0);
    const verifier = new ReplicaVerifier(time.now);
    verifier.apply(1, verifierFor(TOKEN, 1_000));
    verifier.apply(2, verifierFor(TOKEN, null));
    time.set(Number.MAX_SAFE_INTEGER);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
  });

  it('measures the deadline from the highest reading of its clock: a clock that stepped back does not extend the token', () => {
    const time = clock(9_000);
    const verifier = new ReplicaVerifier(time.now);
    verifier.apply(1, verifierFor(OTHER, 60_000));
    expect(verifier.lookup(OTHER)).toEqual(FOUND); // the clock was read at 9 000
    time.set(1_000);
    verifier.apply(2, verifierFor(TOKEN, 1_000));
    // The deadline is 9 000 + 1 000, not 1 000 + 1 000.
    time.set(9_999);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    time.set(10_000);
    expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
  });

  it('refuses everything once emptied, and stays at its version', () => {
    for (const matchedFirst of [false, true]) {
      const verifier = new ReplicaVerifier(clock().now);
      verifier.apply(3, verifierFor(TOKEN));
      if (matchedFirst) verifier.lookup(TOKEN);
      verifier.empty();
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      verifier.learn(TOKEN);
      expect(verifier.lookup(TOKEN)).toEqual(REFUSED);
      expect([verifier.ready, verifier.version]).toEqual([true, 3]);
    }
  });

  it('hashes no candidate once it holds the token sealed: after the first match, or after learning its own build\'s token', () => {
    for (const learnFirst of [false, true]) {
      const verifier = new ReplicaVerifier(clock().now);
      verifier.apply(1, verifierFor(TOKEN));
      if (learnFirst) verifier.learn(TOKEN);
      else expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      const hash = jest.spyOn(crypto, 'hash');
      expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      expect(verifier.lookup(OTHER)).toEqual(REFUSED);
      expect(verifier.lookup(TOKEN)).toEqual(FOUND);
      expect(hash).not.toHaveBeenCalled();
      hash.mockRestore();
    }
  });

  it('holds one sealed copy of the token however often it matches, and zero-fills it when it forgets the token', () => {
    const copies = recordHeapCopies();
    const verifier = new ReplicaVerifier(clock().now);
    verifier.apply(1, verifierFor(TOKEN));
    verifier.learn(TOKEN);
    for (let i = 0; i < 3; i += 1) expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    expect(copies).toHaveLength(1);
    expect(Buffer.from(copies[0]!).equals(TOKEN)).toBe(true);
    verifier.apply(2, null);
    expect(copies.every((copy) => copy.every((byte) => byte === 0))).toBe(true);
  });

  it('accepts its own build\'s token once learned, and a learned token that is not the state\'s changes nothing', () => {
    const verifier = new ReplicaVerifier(clock().now);
    verifier.apply(2, verifierFor(TOKEN));
    verifier.learn(OTHER);
    expect(verifier.lookup(OTHER)).toEqual(REFUSED);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    verifier.learn(TOKEN);
    expect(verifier.lookup(TOKEN)).toEqual(FOUND);
    expect(verifier.lookup(OTHER)).toEqual(REFUSED);
  });
});
