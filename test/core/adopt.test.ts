import { createActor } from 'xstate';
import { tokenStoreMachine, TokenStoreHandle, type TokenStoreActorRef } from '../../src';
import { handleSettings } from '../../src/startLink';
import type { StoreBinding } from '../../src/storeBinding';

// `adopt` is how an owner (startLink, or a supervisor at each restart) hands a handle its actor.
describe('TokenStoreHandle.adopt()', () => {
  it('watches an actor once, however often it is handed the same one', async () => {
    const actor: TokenStoreActorRef = createActor(tokenStoreMachine);
    const binding: StoreBinding = { name: 'adopted', actor, stop: () => actor.stop() };
    const handle = new TokenStoreHandle(binding, handleSettings({ name: 'adopted' }));
    const audit: string[] = [];
    const exits: unknown[] = [];
    handle.on('*', (event) => audit.push(event.type));
    handle.adopt(actor, (_exited, reason) => exits.push(reason));
    handle.adopt(actor, (_exited, reason) => exits.push(reason));
    actor.start();
    const token = await handle.buildAndStore();
    await handle.clear();
    actor.stop();
    handle.close('stopped');
    expect(audit).toEqual(['token.built', 'token.cleared']);
    expect(exits).toEqual(['stopped']);
    expect(handle.lookup(token)).toEqual({ ok: false });
  });

  it('reports the exit of an actor that fails as it is created, before it holds a record', () => {
    // A refused input fails the actor while XState builds its first snapshot: an error, and an empty context without a record.
    const actor: TokenStoreActorRef = createActor(tokenStoreMachine, { input: { ttlMs: -1 } });
    expect(actor.getSnapshot()).toMatchObject({ status: 'error', context: {} });
    const binding: StoreBinding = { name: 'stillborn', actor, stop: () => actor.stop() };
    const handle = new TokenStoreHandle(binding, handleSettings({ name: 'stillborn' }));
    const exits: unknown[] = [];
    handle.adopt(actor, (_exited, reason) => exits.push(reason));
    actor.start();
    expect(exits).toEqual([expect.objectContaining({ name: 'RangeError' })]);
  });
});
