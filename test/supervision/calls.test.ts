import { createActor } from 'xstate';
import { tokenStoreMachine, TokenStoreHandle, type TokenStoreActorRef } from '../../src';
import { handleSettings } from '../../src/startLink';
import type { StoreBinding } from '../../src/storeBinding';

/**
 * A handle on a store that is created but not started: XState queues its events
 * until it starts, so a call waits exactly as it would on a store that is slow
 * to answer.
 */
function handleOnUnstartedStore(callTimeoutMs?: number) {
  const actor: TokenStoreActorRef = createActor(tokenStoreMachine);
  const binding: StoreBinding = { name: 'waiting', actor, stop: () => actor.stop() };
  const handle = new TokenStoreHandle(binding, handleSettings({ name: 'waiting', callTimeoutMs }));
  return { actor, handle, binding };
}

function settledFlag(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

const cleanup: (() => void)[] = [];

beforeEach(() => jest.useFakeTimers());
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
  jest.useRealTimers();
});

describe('buildAndStore()', () => {
  it('rejects with ERR_CALL_TIMEOUT after 5000 ms by default, as GenServer.call, and not a millisecond sooner', async () => {
    const { actor, handle } = handleOnUnstartedStore();
    cleanup.push(() => handle.close('stopped'), () => actor.stop());
    const call = handle.buildAndStore();
    const state = settledFlag(call);
    await jest.advanceTimersByTimeAsync(4999);
    expect(state.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(call).rejects.toMatchObject({ code: 'ERR_CALL_TIMEOUT', operation: 'buildAndStore', timeoutMs: 5000 });
  });

  it('uses the per-call timeout over the per-store one', async () => {
    const { actor, handle } = handleOnUnstartedStore(1000);
    cleanup.push(() => handle.close('stopped'), () => actor.stop());
    const perStore = handle.buildAndStore();
    const perCall = expect(handle.buildAndStore({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'ERR_CALL_TIMEOUT', timeoutMs: 10 });
    const storeState = settledFlag(perStore);
    await jest.advanceTimersByTimeAsync(10);
    await perCall;
    expect(storeState.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(990);
    await expect(perStore).rejects.toMatchObject({ code: 'ERR_CALL_TIMEOUT', timeoutMs: 1000 });
  });

  it('drops a reply that comes after the caller gave up, and keeps serving later calls', async () => {
    const { actor, handle } = handleOnUnstartedStore(10);
    cleanup.push(() => handle.close('stopped'), () => actor.stop());
    const late = expect(handle.buildAndStore()).rejects.toMatchObject({ code: 'ERR_CALL_TIMEOUT' });
    await jest.advanceTimersByTimeAsync(10);
    await late;
    actor.start();
    expect(actor.getSnapshot().context.generation).toBe(1);
    const token = await handle.buildAndStore();
    expect(handle.lookup(token).ok).toBe(true);
  });

  it('rejects with ERR_NOT_RUNNING when no store is bound, without arming a timer', async () => {
    const { actor, handle, binding } = handleOnUnstartedStore();
    binding.actor = undefined;
    cleanup.push(() => handle.close('stopped'), () => actor.stop());
    await expect(handle.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING', storeName: 'waiting' });
    await expect(handle.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    expect(jest.getTimerCount()).toBe(0);
  });
});
