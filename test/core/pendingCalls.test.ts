import { createActor, fromCallback, type AnyActorRef } from 'xstate';
import type { TokenStoreReply } from '../../machines/protocol';
import { CallTimeoutError, StoreExitedError } from '../../src/errors';
import { PendingCalls } from '../../src/lib/pendingCalls';

// The calls a facade waits on, on their own: each ends exactly once, by its reply, its
// timeout or the exit of the actor it went to, and leaves no timer behind.

const actors: AnyActorRef[] = [];

function actor(): AnyActorRef {
  const ref = createActor(fromCallback(() => undefined)).start();
  actors.push(ref);
  return ref;
}

function reply(requestId: unknown): TokenStoreReply {
  return { type: 'BreakGlass.CLEARED', requestId } as unknown as TokenStoreReply;
}

/** What a promise has come to so far, without waiting for it. */
function outcome<T>(promise: Promise<T>): { readonly state: () => 'pending' | 'resolved' | 'rejected'; readonly value: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: unknown;
  promise.then(
    (resolved) => {
      state = 'resolved';
      value = resolved;
    },
    (rejected: unknown) => {
      state = 'rejected';
      value = rejected;
    },
  );
  return { state: () => state, value: () => value };
}

/** Lets settled promises run their reactions. */
async function flush(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
  for (const ref of actors.splice(0)) ref.stop();
});

describe('PendingCalls.call()', () => {
  it('hands send request ids counting up from 1, one per call', () => {
    const calls = new PendingCalls('store');
    const ids: number[] = [];
    const target = actor();
    for (let index = 0; index < 3; index += 1) void calls.call(target, 'clear', 1000, (id) => ids.push(id)).catch(() => undefined);
    expect(ids).toEqual([1, 2, 3]);
    expect(calls.size).toBe(3);
    calls.exit('done');
  });

  it('resolves with a reply settled during send, and arms no timer for it', async () => {
    const calls = new PendingCalls('store');
    const answer = reply(1);
    const result = calls.call(actor(), 'clear', 1000, (id) => {
      expect(calls.settle(reply(id))).toBe(true);
    });
    await expect(result).resolves.toEqual(answer);
    expect(jest.getTimerCount()).toBe(0);
    expect(calls.size).toBe(0);
  });

  it('rejects with StoreExitedError carrying what send threw, and forgets the call', async () => {
    const calls = new PendingCalls('vault');
    const thrown = new Error('mailbox closed');
    const result = calls.call(actor(), 'consume', 1000, () => {
      throw thrown;
    });
    const error: unknown = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreExitedError);
    expect(error).toMatchObject({ code: 'ERR_STORE_EXITED', storeName: 'vault', operation: 'consume', reason: thrown });
    expect((error as Error).message).toBe("token store 'vault' exited during consume: Error");
    expect(calls.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    // The id it had is no longer awaited.
    expect(calls.settle(reply(1))).toBe(false);
  });

  it('times out exactly at timeoutMs with CallTimeoutError, and a late reply is then ignored', async () => {
    const calls = new PendingCalls('vault');
    const result = outcome(calls.call(actor(), 'buildAndStore', 250, () => undefined));
    expect(calls.size).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(249);
    await flush();
    expect(result.state()).toBe('pending');
    jest.advanceTimersByTime(1);
    await flush();
    expect(result.state()).toBe('rejected');
    expect(result.value()).toBeInstanceOf(CallTimeoutError);
    expect(result.value()).toMatchObject({ code: 'ERR_CALL_TIMEOUT', storeName: 'vault', operation: 'buildAndStore', timeoutMs: 250 });
    expect((result.value() as Error).message).toBe("token store 'vault' did not answer buildAndStore within 250 ms");
    expect(calls.size).toBe(0);
    expect(calls.settle(reply(1))).toBe(false);
  });
});

describe('PendingCalls.settle()', () => {
  it('delivers a reply to the call with its request id once, and clears its timer', async () => {
    const calls = new PendingCalls('store');
    const target = actor();
    const first = outcome(calls.call(target, 'clear', 1000, () => undefined));
    const second = outcome(calls.call(target, 'clear', 1000, () => undefined));
    expect(jest.getTimerCount()).toBe(2);
    const answer = reply(2);
    expect(calls.settle(answer)).toBe(true);
    await flush();
    expect(second.state()).toBe('resolved');
    expect(second.value()).toBe(answer);
    expect(first.state()).toBe('pending');
    expect(jest.getTimerCount()).toBe(1);
    expect(calls.size).toBe(1);
    expect(calls.settle(reply(2))).toBe(false);
    // The cleared timer no longer fires: only the other call times out.
    jest.advanceTimersByTime(1000);
    await flush();
    expect(first.state()).toBe('rejected');
    expect(second.value()).toBe(answer);
  });

  it('ignores a reply without a numeric request id, or for an id never handed out', async () => {
    const calls = new PendingCalls('store');
    const pending = outcome(calls.call(actor(), 'clear', 1000, () => undefined));
    expect(calls.settle(reply(undefined))).toBe(false);
    expect(calls.settle(reply('1'))).toBe(false);
    expect(calls.settle(reply(7))).toBe(false);
    await flush();
    expect(pending.state()).toBe('pending');
    expect(calls.size).toBe(1);
    calls.exit('done');
  });
});

describe('PendingCalls.exit()', () => {
  it("rejects only the calls sent to the actor that exited, with its reason, and clears their timers", async () => {
    const calls = new PendingCalls('vault');
    const gone = actor();
    const alive = actor();
    const reason = new Error('crashed');
    const onGone = outcome(calls.call(gone, 'delete', 1000, () => undefined));
    const onAlive = outcome(calls.call(alive, 'consume', 1000, () => undefined));
    calls.exit(reason, gone);
    await flush();
    expect(onGone.state()).toBe('rejected');
    expect(onGone.value()).toBeInstanceOf(StoreExitedError);
    expect(onGone.value()).toMatchObject({ storeName: 'vault', operation: 'delete', reason });
    expect(onAlive.state()).toBe('pending');
    expect(calls.size).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    expect(calls.settle(reply(2))).toBe(true);
    await flush();
    expect(onAlive.state()).toBe('resolved');
  });

  it('rejects every call when no actor is named, and leaves no timer', async () => {
    const calls = new PendingCalls('vault');
    const results = [actor(), actor()].map((target) => outcome(calls.call(target, 'clear', 1000, () => undefined)));
    calls.exit('stopped');
    await flush();
    expect(results.map((result) => result.state())).toEqual(['rejected', 'rejected']);
    expect(results.map((result) => (result.value() as Error).message)).toEqual([
      "token store 'vault' exited during clear: stopped",
      "token store 'vault' exited during clear: stopped",
    ]);
    expect(calls.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
