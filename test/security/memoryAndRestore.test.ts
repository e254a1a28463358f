import { createActor, setup, spawnChild } from 'xstate';
import { cryptoRandomSource, startLink, tokenStoreMachine, type TokenStoreHandle } from '../../src';
import { SealedToken, sealedMatches } from '../../src/lib/sealedToken';
import { findTokenIn, renderings } from './support/tokenEncodings';
import { recordHeapCopies } from '../support/heapCopies';

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await store?.stop();
  store = undefined;
});

/**
 * Records every buffer the library allocates for secret bytes: private copies go
 * through `heapCopy`, Buffers handed out go through `allocUnsafeSlow`.
 */
function recordAllocations(): Uint8Array[] {
  const allocated: Uint8Array[] = [];
  const allocate = Buffer.allocUnsafeSlow.bind(Buffer);
  jest.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((size: number) => {
    const buffer = allocate(size);
    allocated.push(buffer);
    return buffer;
  });
  return recordHeapCopies(allocated);
}

const isZero = (buffer: Uint8Array) => buffer.every((byte) => byte === 0);

describe('memory hygiene', () => {
  it('zero-fills every buffer that held the token once it is dropped, except the caller’s own', async () => {
    cryptoRandomSource(32); // The entropy pool is allocated once, outside the recording.
    store = startLink({ name: 'hygiene' });
    const allocated = recordAllocations();
    const token = await store.buildAndStore();
    const candidate = Buffer.from(token);
    expect(await store.delete(candidate)).toEqual({ ok: true });
    const second = await store.buildAndStore();
    await store.clear();
    const others = allocated.filter((buffer) => buffer !== token && buffer !== second);
    // Two draws from the entropy pool, two seals, two reply wrappers, one DELETE candidate.
    expect(others.length).toBeGreaterThanOrEqual(7);
    expect(others.filter((buffer) => !isZero(buffer))).toEqual([]);
    expect(isZero(token)).toBe(false);
  });

  it('gives the caller a Buffer of its own: wiping it leaves the store intact, and it shares no pool', async () => {
    store = startLink({ name: 'hygiene-own' });
    const token = await store.buildAndStore();
    expect(token.buffer.byteLength).toBe(32);
    const kept = Buffer.from(token);
    token.fill(0);
    expect(store.lookup(kept).ok).toBe(true);
  });

  it('zero-fills the stored token when the store stops', async () => {
    store = startLink({ name: 'hygiene-stop' });
    const token = await store.buildAndStore();
    const sealed = store.actorRef!.getSnapshot().context.record!.sealed;
    await store.stop();
    store = undefined;
    expect(sealedMatches(sealed, token)).toBe(false);
    expect(sealed.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('memory hygiene without a facade', () => {
  /** A store actor run directly, as a parent's child or with createActor, holding a known token. */
  function heldToken(options: { randomBytes?: (size: number) => Uint8Array } = {}) {
    const parentless = createActor(tokenStoreMachine, { input: { randomBytes: options.randomBytes ?? (() => Buffer.alloc(32, 9)) } });
    parentless.subscribe({ error: () => undefined });
    parentless.start();
    parentless.send({ type: 'BUILD' });
    const sealed = parentless.getSnapshot().context.record!.sealed;
    return { actor: parentless, sealed, token: Buffer.alloc(32, 9) };
  }

  it('zero-fills the token of a store stopped with no handle around it', () => {
    const { actor, sealed, token } = heldToken();
    expect(sealedMatches(sealed, token)).toBe(true);
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
    expect(sealedMatches(sealed, token)).toBe(false);
  });

  it('zero-fills the token of a store stopped by the parent that spawned it', () => {
    const parent = createActor(
      setup({ actors: { tokens: tokenStoreMachine } }).createMachine({
        entry: spawnChild('tokens', { id: 'tokens', input: { randomBytes: () => Buffer.alloc(32, 9) } }),
      }),
    ).start();
    const child = parent.getSnapshot().children.tokens as unknown as ReturnType<typeof heldToken>['actor'];
    child.send({ type: 'BUILD' });
    const sealed = child.getSnapshot().context.record!.sealed;
    expect(sealedMatches(sealed, Buffer.alloc(32, 9))).toBe(true);
    parent.stop();
    expect(sealedMatches(sealed, Buffer.alloc(32, 9))).toBe(false);
  });

  it('zero-fills the token of a store that fails in a transition', () => {
    let draws = 0;
    const { actor, sealed, token } = heldToken({
      randomBytes: () => {
        draws += 1;
        if (draws === 2) throw new Error('entropy unavailable');
        return Buffer.alloc(32, 9);
      },
    });
    actor.send({ type: 'BUILD' });
    expect(actor.getSnapshot().status).toBe('error');
    expect(actor.getSnapshot().context.record?.sealed).toBe(sealed);
    expect(sealedMatches(sealed, token)).toBe(false);
  });
});

describe('sealedMatches()', () => {
  it('compares with crypto.timingSafeEqual for every candidate of the right length', () => {
    const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const timingSafeEqual = jest.spyOn(crypto, 'timingSafeEqual');
    const sealed = SealedToken.seal(Buffer.alloc(32, 3));
    for (const candidate of [Buffer.alloc(32, 3), Buffer.alloc(32, 4), Buffer.from([3, ...new Array(31).fill(9)])]) {
      sealedMatches(sealed, candidate);
    }
    sealedMatches(null, Buffer.alloc(32));
    expect(timingSafeEqual).toHaveBeenCalledTimes(4);
  });
});

describe('restoring a persisted snapshot', () => {
  it('persists nothing secret and restores an empty store, whatever the snapshot says', async () => {
    store = startLink({ name: 'restore', ttlMs: 5000 });
    const token = await store.buildAndStore();
    const persisted = store.actorRef!.getPersistedSnapshot();
    expect(findTokenIn(renderings(persisted), [token])).toBeUndefined();
    expect(persisted).toMatchObject({ value: 'empty', context: { record: null, deps: { ttlMs: 5000 } } });

    const forged = { ...persisted, value: 'holding', context: { record: store.actorRef!.getSnapshot().context.record } };
    const restored = createActor(tokenStoreMachine, { snapshot: forged as never }).start();
    try {
      expect(restored.getSnapshot().value).toBe('empty');
      expect(restored.getSnapshot().context.record).toBeNull();
    } finally {
      restored.stop();
    }
  });

  it('restores the ttl setting from a snapshot and ignores an invalid one', () => {
    const persisted = createActor(tokenStoreMachine, { input: { ttlMs: 250 } }).getPersistedSnapshot();
    const restored = createActor(tokenStoreMachine, { snapshot: persisted }).start();
    const odd = createActor(tokenStoreMachine, { snapshot: { context: { deps: { ttlMs: -1 } } } as never }).start();
    try {
      expect(restored.getSnapshot().context.deps.ttlMs).toBe(250);
      expect(odd.getSnapshot().context.deps.ttlMs).toBeNull();
    } finally {
      restored.stop();
      odd.stop();
    }
  });
});
