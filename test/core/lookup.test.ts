import { SealedToken, type Token, type TokenStoreActorRef, type TokenStoreHandle, type TokenStoreOptions } from '../../src';
import { sealedMatches } from '../../src/lib/sealedToken';
import { countingRandomSource, eventRecorder, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

describe('lookup()', () => {
  it('answers ok with the insertion time for the active token', async () => {
    const store = startStore({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    const token = await store.buildAndStore();
    expect(store.lookup(token)).toEqual({ ok: true, insertedAt: new Date('2026-01-02T03:04:05.000Z') });
  });

  it('answers error when no token was ever built', () => {
    const store = startStore();
    expect(store.lookup(Buffer.alloc(32, 7))).toEqual({ ok: false });
  });

  it('answers error for a wrong 32-byte token and leaves the stored one valid', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const wrong = Buffer.from(token);
    wrong.writeUInt8(wrong.readUInt8(31) ^ 1, 31);
    expect(store.lookup(wrong)).toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);
  });

  it.each([
    ['a 31-byte Buffer', () => Buffer.alloc(31)],
    ['a 33-byte Buffer', () => Buffer.alloc(33)],
    ['a 0-byte Buffer', () => Buffer.alloc(0)],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a string', () => 'x'.repeat(32)],
    ['a number', () => 32],
    ['a plain object', () => ({ length: 32, byteLength: 32 })],
    ['an array of 32 numbers', () => new Array<number>(32).fill(0)],
  ])('answers error for %s without throwing, and the stored token stays valid', async (_label, makeInput) => {
    const store = startStore();
    const token = await store.buildAndStore();
    expect(() => store.lookup(makeInput() as Uint8Array)).not.toThrow();
    expect(store.lookup(makeInput() as Uint8Array)).toEqual({ ok: false });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('answers error, never throwing, for objects that only pretend to be 32 bytes', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    class LyingLength extends Uint8Array {
      override get byteLength(): number {
        return 32;
      }
    }
    const pretenders = [
      new LyingLength(31),
      Object.create(Uint8Array.prototype) as Uint8Array,
      new Proxy(new Uint8Array(token), {}),
      new Float32Array(8) as unknown as Uint8Array,
    ];
    for (const pretender of pretenders) {
      expect(() => store.lookup(pretender)).not.toThrow();
      expect(store.lookup(pretender)).toEqual({ ok: false });
      await expect(store.delete(pretender)).resolves.toEqual({ ok: false });
    }
    expect(store.lookup(token).ok).toBe(true);
  });

  it('answers error for a DataView and for the bare ArrayBuffer holding the right bytes', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const copy = new Uint8Array(token);
    expect(store.lookup(new DataView(copy.buffer) as unknown as Uint8Array)).toEqual({ ok: false });
    expect(store.lookup(copy.buffer as unknown as Uint8Array)).toEqual({ ok: false });
  });

  it('answers error, without throwing, for a subclass whose byteLength getter lies or shrinks its buffer', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const resizable = new (ArrayBuffer as unknown as new (size: number, options: { maxByteLength: number }) => ArrayBuffer & {
      resize(size: number): void;
    })(32, { maxByteLength: 64 });
    class Shrinking extends Uint8Array {
      override get byteLength(): number {
        resizable.resize(0);
        return 32;
      }
    }
    class Throwing extends Uint8Array {
      override get byteLength(): number {
        throw new Error('unreadable length');
      }
    }
    expect(store.lookup(new Shrinking(resizable))).toEqual({ ok: false });
    await expect(store.delete(new Shrinking(resizable))).resolves.toEqual({ ok: false });
    expect(store.lookup(new Throwing(32))).toEqual({ ok: false });
    // Its getters are not what decides: a real Uint8Array holding the token's bytes is the token.
    expect(store.lookup(new Throwing(token)).ok).toBe(true);
    expect(store.lookup(token).ok).toBe(true);
  });

  it('answers ok for a plain Uint8Array copy and for a subarray view at an offset', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const larger = new Uint8Array(64);
    larger.set(token, 13);
    expect(store.lookup(new Uint8Array(token)).ok).toBe(true);
    expect(store.lookup(larger.subarray(13, 45)).ok).toBe(true);
    expect(store.lookup(larger.subarray(12, 44)).ok).toBe(false);
  });

  it('keeps the token valid after the caller zero-fills the Buffer it was given', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const saved = Buffer.from(token);
    token.fill(0);
    expect(store.lookup(saved).ok).toBe(true);
    expect(store.lookup(token).ok).toBe(false);
  });

  it('sends no event to the actor, for a hit, a miss or malformed input', async () => {
    const recorder = eventRecorder();
    const store = startStore({ inspect: recorder.inspect });
    const token = await store.buildAndStore();
    const before = recorder.eventTypes().length;
    store.lookup(token);
    store.lookup(Buffer.alloc(32));
    store.lookup('nonsense' as unknown as Uint8Array);
    expect(recorder.eventTypes().length).toBe(before);
    expect(recorder.eventTypes()).toContain('BUILD');
  });

  it('answers error once the store is stopped, for a token that was valid until then', async () => {
    const store = startStore();
    const token = await store.buildAndStore();
    const actor = store.actorRef!;
    await store.stop();
    expect(actor.getSnapshot().status).not.toBe('active');
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  it('answers error after the store crashed, never from its last context', async () => {
    let calls = 0;
    const source = countingRandomSource();
    const store = startStore({
      randomBytes: (size) => {
        calls += 1;
        if (calls === 2) throw new Error('entropy unavailable');
        return source(size);
      },
    });
    const token = await store.buildAndStore();
    const actor = store.actorRef!;
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(actor.getSnapshot().status).toBe('error');
    expect(store.lookup(token)).toEqual({ ok: false });
  });

  // The two tests above pass twice over: the store wipes its record when it stops or fails in a
  // transition, and the facade's exit handler also drops the actor. These look up from an observer
  // that XState notifies before that handler, while the dead actor is still bound.
  describe('from an observer notified before the facade learns of the exit', () => {
    /** Starts a store whose actor is observed from its creation, before startLink adopts it. */
    function observedStore(options: TokenStoreOptions, onExit: (store: TokenStoreHandle, actor: TokenStoreActorRef) => void) {
      let store: TokenStoreHandle | undefined;
      let subscribed = false;
      store = startStore({
        ...options,
        // The test needs the live actor itself, not the sanitized view devtools get.
        unsafeRawInspection: true,
        inspect: (event) => {
          if (event.type !== '@xstate.actor' || subscribed) return;
          subscribed = true;
          const actor = event.actorRef as TokenStoreActorRef;
          const exit = () => onExit(store!, actor);
          actor.subscribe({ error: exit, complete: exit });
        },
      });
      expect(subscribed).toBe(true);
      return store;
    }

    type Seen = { status: string; sealed: boolean; lookup: unknown };
    const seenBy = (handle: TokenStoreHandle, actor: TokenStoreActorRef, token: Uint8Array): Seen => {
      const snapshot = actor.getSnapshot();
      return { status: snapshot.status, sealed: sealedMatches(snapshot.context.record?.sealed, token), lookup: handle.lookup(token) };
    };

    it('finds the token of a stopped actor already wiped', async () => {
      let seen: Seen | undefined;
      let token: Token | undefined;
      const store = observedStore({}, (handle, actor) => (seen = seenBy(handle, actor, token!)));
      token = await store.buildAndStore();
      await store.stop();
      expect(seen).toEqual({ status: 'stopped', sealed: false, lookup: { ok: false } });
    });

    it('refuses an actor that failed after its transition, its new record still readable', async () => {
      // XState runs a delayed event's scheduling after the transition is committed: a failure
      // there errors the actor with the new record in place, and only the status check refuses.
      let seen: Seen | undefined;
      const second = Buffer.alloc(32, 2);
      const store = observedStore({ ttlMs: 60_000, randomBytes: countingRandomSource() }, (handle, actor) => {
        seen = seenBy(handle, actor, second);
      });
      await store.buildAndStore();
      const timers = jest.spyOn(global, 'setTimeout').mockImplementationOnce(() => {
        throw new Error('no timers left');
      });
      try {
        await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
      } finally {
        timers.mockRestore();
      }
      expect(seen).toEqual({ status: 'error', sealed: true, lookup: { ok: false } });
    });
  });

  it('stores the token sealed: the snapshot context holds a SealedToken, not the bytes', async () => {
    // A fixed clock, so no digit of the insertion time can pass for a byte of the token (0xab is 171).
    const store = startStore({ randomBytes: countingRandomSource(0xab), now: () => 1_700_000_000_000 });
    await store.buildAndStore();
    const { record } = store.actorRef!.getSnapshot().context;
    expect(record?.sealed).toBeInstanceOf(SealedToken);
    expect(JSON.stringify(record)).not.toContain('171');
    expect(JSON.stringify(record)).toContain('[redacted]');
  });
});
