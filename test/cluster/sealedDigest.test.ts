import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import type { ActiveRecord } from '../../machines/protocol';
import { verifierOf } from '../../src/cluster/ownedState';
import { SealedToken, sealedDigest, wipeSealed } from '../../src/lib/sealedToken';

describe('sealedDigest()', () => {
  const bytes = Buffer.alloc(32, 3);
  const expected = createHash('sha256').update(bytes).digest();

  it('answers the SHA-256 digest of the sealed token, as the caller’s own copy each time', () => {
    const sealed = SealedToken.seal(bytes);
    const first = sealedDigest(sealed)!;
    expect(first.equals(expected)).toBe(true);
    first.fill(0);
    expect(sealedDigest(sealed)!.equals(expected)).toBe(true);
  });

  it('answers null for a wiped seal, an absent one and a fake, and never shows the digest in a rendering', () => {
    const sealed = SealedToken.seal(bytes);
    void sealedDigest(sealed);
    const hex = expected.toString('hex');
    expect(inspect(sealed, { showHidden: true, depth: 5 })).not.toContain(hex);
    expect(JSON.stringify({ sealed })).not.toContain(expected.toString('base64'));
    wipeSealed(sealed);
    expect(sealedDigest(sealed)).toBeNull();
    expect(sealedDigest(null)).toBeNull();
    expect(sealedDigest(Object.create(SealedToken.prototype) as SealedToken)).toBeNull();
  });
});

describe('verifierOf()', () => {
  const bytes = Buffer.alloc(32, 4);
  const INSERTED_AT_MS = 1_700_000_000_000;

  it('ships the digest, insertion time and time left of a record, and nothing once its seal was wiped: the record is on its way out', () => {
    const sealed = SealedToken.seal(bytes);
    const record: ActiveRecord = { sealed, insertedAtMs: INSERTED_AT_MS, expiresAtTick: 5_000, generation: 1 };
    const state = { record, monotonicNow: () => 2_000 };
    expect(verifierOf(state)).toEqual({
      digest: createHash('sha256').update(bytes).digest('base64'),
      insertedAtMs: INSERTED_AT_MS,
      remainingMs: 3_000,
    });
    wipeSealed(sealed);
    expect(verifierOf(state)).toBeNull();
  });
});
