import { performance as perfHooksPerformance } from 'node:perf_hooks';
import { childSpec, cryptoRandomSource, startLink, tokenStoreMachine, whereis, DEFAULT_NAME, type TokenStoreOptions } from '../../src';
import { MAX_TTL_MS, resolveDeps } from '../../machines/deps';
import { checkedOptions, handleSettings, storeInput } from '../../src/startLink';
import { rejection } from '../support/rejection';

const TTL_MESSAGE = 'input.ttlMs must be a whole number of milliseconds from 1 to 2147483647';

describe('resolveDeps()', () => {
  it('takes the crypto source, the wall clock, a monotonic clock and no expiry by default', () => {
    for (const input of [undefined, {}]) {
      const deps = resolveDeps(input);
      expect(deps).toEqual({ randomBytes: cryptoRandomSource, now: Date.now, monotonicNow: expect.any(Function), ttlMs: null });
      const before = performance.now();
      const tick = deps.monotonicNow();
      expect(tick).toBeGreaterThanOrEqual(before);
      expect(tick).toBeLessThanOrEqual(performance.now());
    }
  });

  it("reads the global performance clock, which a test's fake timers move with the expiry timer", () => {
    jest.useFakeTimers();
    try {
      const deps = resolveDeps({});
      const start = deps.monotonicNow();
      jest.advanceTimersByTime(60_000);
      expect(deps.monotonicNow() - start).toBe(60_000);
      expect(perfHooksPerformance.now() - start).not.toBe(60_000);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps every dependency it is given', () => {
    const given = { randomBytes: (size: number) => new Uint8Array(size), now: () => 1, monotonicNow: () => 2, ttlMs: 1000 };
    expect(resolveDeps(given)).toEqual(given);
    expect(resolveDeps({ ttlMs: null } as never).ttlMs).toBeNull();
  });

  it.each([
    ['randomBytes', 'input.randomBytes must be a function'],
    ['now', 'input.now must be a function'],
    ['monotonicNow', 'input.monotonicNow must be a function'],
  ])('rejects a %s that is not a function with a TypeError naming it', (field, message) => {
    for (const value of [1, 'f', {}]) {
      expect(rejection(() => resolveDeps({ [field]: value } as never))).toEqual({ type: 'TypeError', message });
    }
  });

  it('accepts a time to live from 1 ms to the longest a Node timer waits, 2^31 - 1 ms', () => {
    expect(MAX_TTL_MS).toBe(2147483647);
    for (const ttlMs of [1, 2, 15 * 60_000, MAX_TTL_MS - 1, MAX_TTL_MS]) expect(resolveDeps({ ttlMs }).ttlMs).toBe(ttlMs);
  });

  it.each([0, -1, 0.5, 1.5, MAX_TTL_MS + 1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, '1000', true])(
    'rejects the time to live %p with a RangeError',
    (ttlMs) => {
      expect(rejection(() => resolveDeps({ ttlMs } as never))).toEqual({ type: 'RangeError', message: TTL_MESSAGE });
    },
  );
});

describe('handleSettings()', () => {
  it("defaults to the default name, GenServer.call's 5000 ms, one failed-lookup report a second and the wall clock", () => {
    expect(handleSettings({})).toEqual({ name: 'BreakGlass.TokenStore', callTimeoutMs: 5000, failureWindowMs: 1000, now: Date.now });
  });

  it('keeps what it is given', () => {
    const now = () => 5;
    expect(handleSettings({ name: 'n', callTimeoutMs: 0.5, failedLookupWindowMs: 0, now })).toEqual({
      name: 'n',
      callTimeoutMs: 0.5,
      failureWindowMs: 0,
      now,
    });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100'])('rejects callTimeoutMs %p', (callTimeoutMs) => {
    expect(rejection(() => handleSettings({ callTimeoutMs } as never))).toEqual({
      type: 'RangeError',
      message: 'options.callTimeoutMs must be a positive number of milliseconds',
    });
  });

  it.each([-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, '100'])('rejects failedLookupWindowMs %p', (failedLookupWindowMs) => {
    expect(rejection(() => handleSettings({ failedLookupWindowMs } as never))).toEqual({
      type: 'RangeError',
      message: 'options.failedLookupWindowMs must be zero or more milliseconds',
    });
  });

  it.each(['', 5, {}])('rejects the name %p with a TypeError', (name) => {
    expect(rejection(() => handleSettings({ name } as never))).toEqual({ type: 'TypeError', message: 'options.name must be a non-empty string' });
  });
});

describe('storeInput() and checkedOptions()', () => {
  const randomBytes = (size: number) => new Uint8Array(size);
  const now = () => 1;
  const monotonicNow = () => 2;

  it("carry only the machine's dependencies into its input", () => {
    const options: TokenStoreOptions = { name: 'x', callTimeoutMs: 9, randomBytes, now, monotonicNow, ttlMs: 10, onAudit: () => undefined };
    expect(storeInput(options)).toEqual({ randomBytes, now, monotonicNow, ttlMs: 10 });
    expect(checkedOptions(options)).toEqual({
      settings: { name: 'x', callTimeoutMs: 9, failureWindowMs: 1000, now },
      input: { randomBytes, now, monotonicNow, ttlMs: 10 },
    });
  });

  it("check the machine's input too, before any store starts", () => {
    expect(rejection(() => checkedOptions({ ttlMs: 0 }))).toEqual({ type: 'RangeError', message: TTL_MESSAGE });
    expect(rejection(() => checkedOptions({ monotonicNow: 3 as never }))).toEqual({
      type: 'TypeError',
      message: 'input.monotonicNow must be a function',
    });
  });
});

describe('startLink() and childSpec() options', () => {
  afterEach(async () => {
    await whereis(DEFAULT_NAME)?.stop();
  });

  it.each([
    [{ ttlMs: 0 }, 'RangeError', TTL_MESSAGE],
    [{ now: 'clock' }, 'TypeError', 'input.now must be a function'],
    [{ monotonicNow: 1 }, 'TypeError', 'input.monotonicNow must be a function'],
    [{ failedLookupWindowMs: -1 }, 'RangeError', 'options.failedLookupWindowMs must be zero or more milliseconds'],
    [{ callTimeoutMs: Number.NaN }, 'RangeError', 'options.callTimeoutMs must be a positive number of milliseconds'],
  ])('startLink and childSpec both reject %p, and startLink leaves the name free', (options, type, message) => {
    expect(rejection(() => startLink(options as never))).toEqual({ type, message });
    expect(whereis(DEFAULT_NAME)).toBeUndefined();
    expect(rejection(() => childSpec(options as never))).toEqual({ type, message });
  });

  it('childSpec describes the store under its name, with its machine input and the options it was given', () => {
    const randomBytes = (size: number) => new Uint8Array(size).fill(7);
    const options = { name: 'described', ttlMs: 1000, randomBytes, callTimeoutMs: 50 };
    const spec = childSpec(options);
    expect(spec).toEqual({
      id: 'described',
      start: expect.any(Function),
      restart: 'permanent',
      type: 'worker',
      logic: tokenStoreMachine,
      input: { randomBytes, now: undefined, monotonicNow: undefined, ttlMs: 1000 },
      systemId: 'described',
      options,
    });
  });

  it('childSpec without options names the default store', () => {
    expect(childSpec()).toMatchObject({ id: DEFAULT_NAME, systemId: DEFAULT_NAME, options: {}, input: { ttlMs: undefined } });
  });

  it("childSpec's start starts the store under the spec's name with the spec's options", async () => {
    const spec = childSpec({ callTimeoutMs: 50, ttlMs: 1000 });
    const store = spec.start();
    expect(whereis(DEFAULT_NAME)).toBe(store);
    expect(store.actorRef?.getSnapshot().context.deps.ttlMs).toBe(1000);
    await store.stop();
  });
});
