import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../src/lib/bytes';
import { fingerprintOf, SealedToken, sealedDigest, sealedMatches, wipeSealed } from '../../src/lib/sealedToken';
import { recordHeapCopies } from '../support/heapCopies';

// The module object itself, so that a spy sees the library's own calls.
const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');

const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 200 - i));
const expectedFingerprint = createHash('sha256').update(bytes).digest('hex').slice(0, 16);

afterEach(() => {
  jest.restoreAllMocks();
});

/** Counts the SHA-256 hex digests the library computes (each fingerprint is one). */
function countFingerprints(): () => number {
  const hash = jest.spyOn(crypto, 'hash');
  return () => hash.mock.calls.filter((call) => call[2] === 'hex').length;
}

/** Seals `bytes`, keeping the private copy the seal holds. */
function sealKeepingCopy(): { sealed: SealedToken; copy: Uint8Array } {
  const copies = recordHeapCopies();
  const sealed = SealedToken.seal(bytes);
  expect(copies).toHaveLength(1);
  return { sealed, copy: copies[0]! };
}

describe('SealedToken fingerprint', () => {
  it('is 16 hex digits of the SHA-256 of the token', () => {
    expect(SealedToken.seal(bytes).fingerprint).toBe(expectedFingerprint);
    expect(fingerprintOf(bytes)).toBe(expectedFingerprint);
  });

  it('is computed once, when the token is sealed, and kept after the wipe', () => {
    const fingerprints = countFingerprints();
    const sealed = SealedToken.seal(bytes);
    expect(fingerprints()).toBe(1);
    expect(sealed.fingerprint).toBe(expectedFingerprint);
    expect(sealed.fingerprint).toBe(expectedFingerprint);
    expect(fingerprints()).toBe(1);
    wipeSealed(sealed);
    expect(sealed.fingerprint).toBe(expectedFingerprint);
    expect(fingerprints()).toBe(1);
  });

  it('still names a token wiped before anyone asked for it', () => {
    const sealed = SealedToken.seal(bytes);
    wipeSealed(sealed);
    expect(sealed.fingerprint).toBe(expectedFingerprint);
  });
});

describe('wipeSealed()', () => {
  it('zero-fills the sealed copy; the seal then matches nothing, not even all zeros, and has no digest', () => {
    const { sealed, copy } = sealKeepingCopy();
    expect(sealedMatches(sealed, bytes)).toBe(true);
    expect(sealedDigest(sealed)).not.toBeNull();
    wipeSealed(sealed);
    expect(copy.every((byte) => byte === 0)).toBe(true);
    expect(sealedMatches(sealed, bytes)).toBe(false);
    expect(sealedMatches(sealed, Buffer.alloc(32))).toBe(false);
    expect(sealedDigest(sealed)).toBeNull();
  });

  it('is harmless a second time, and for an absent seal or a fake one', () => {
    const sealed = SealedToken.seal(bytes);
    wipeSealed(sealed);
    expect(() => wipeSealed(sealed)).not.toThrow();
    expect(sealed.fingerprint).toBe(expectedFingerprint);
    expect(() => wipeSealed(null)).not.toThrow();
    expect(() => wipeSealed(undefined)).not.toThrow();
    expect(() => wipeSealed(Object.create(SealedToken.prototype) as SealedToken)).not.toThrow();
  });
});

describe('SealedToken.seal()', () => {
  it('seals a copy: the caller may wipe its own bytes afterwards', () => {
    const source = Buffer.from(bytes);
    const sealed = SealedToken.seal(source);
    source.fill(0);
    expect(sealedMatches(sealed, bytes)).toBe(true);
    expect(sealedMatches(sealed, source)).toBe(false);
  });
});

describe('sealedMatches() with candidates of another length', () => {
  it.each([0, 31, 33, 64])('answers false, without throwing, for %i bytes, against a seal and against nothing', (length) => {
    const candidate = Buffer.alloc(length);
    bytes.copy(candidate);
    expect(sealedMatches(SealedToken.seal(bytes), candidate)).toBe(false);
    expect(sealedMatches(null, candidate)).toBe(false);
    expect(sealedMatches(undefined, candidate)).toBe(false);
  });

  it('answers false for an absent seal even for the all-zero candidate the decoy holds', () => {
    expect(sealedMatches(null, Buffer.alloc(32))).toBe(false);
    expect(sealedMatches(Object.create(SealedToken.prototype) as SealedToken, Buffer.alloc(32))).toBe(false);
  });
});

describe('constantTimeEqual()', () => {
  it('is true for equal bytes and false when only the last byte differs', () => {
    const other = Buffer.from(bytes);
    expect(constantTimeEqual(bytes, other)).toBe(true);
    other[31] = other[31]! ^ 1;
    expect(constantTimeEqual(bytes, other)).toBe(false);
  });

  it('answers false for unequal lengths, even when one is a prefix of the other', () => {
    expect(constantTimeEqual(bytes, bytes.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(bytes.subarray(0, 31), bytes)).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), bytes)).toBe(false);
  });
});
