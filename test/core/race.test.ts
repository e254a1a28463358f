import { createActor } from 'xstate';
import { SecretToken, tokenStoreMachine, type Token } from '../../src';
import { countingRandomSource, startStore, stopAllStores } from '../support/stores';

afterEach(stopAllStores);

// The seed's delete/1 checks ETS, then asks the GenServer to delete: a build_and_store/0
// that lands between the two must not lose its fresh token to the stale delete.
describe('delete() racing buildAndStore()', () => {
  it('keeps the new token when the pre-check passed for the old one and a build landed before the removal', async () => {
    const store = startStore({ randomBytes: countingRandomSource(1) });
    const old = Buffer.alloc(32, 1);
    let interleaved: { build: Promise<Token>; deletion: Promise<{ ok: boolean }>; precheckPassed: boolean } | undefined;

    // A snapshot listener runs while the actor is still processing the first BUILD, so
    // events sent from it queue in call order: the second BUILD, then the DELETE, whose
    // pre-check runs right here against the snapshot that still holds the old token.
    const subscription = store.actorRef!.subscribe(() => {
      if (interleaved !== undefined) return;
      const build = store.buildAndStore();
      const precheckPassed = store.lookup(old).ok;
      const deletion = store.delete(old);
      interleaved = { build, deletion, precheckPassed };
    });
    await store.buildAndStore();
    subscription.unsubscribe();

    expect(interleaved?.precheckPassed).toBe(true);
    const fresh = await interleaved!.build;
    expect(fresh).toEqual(Buffer.alloc(32, 2));
    await expect(interleaved!.deletion).resolves.toEqual({ ok: false });
    expect(store.lookup(fresh).ok).toBe(true);
    expect(store.lookup(old).ok).toBe(false);
  });

  it('refuses, inside the actor, a DELETE naming the token a later BUILD replaced', () => {
    const actor = createActor(tokenStoreMachine, { input: { randomBytes: countingRandomSource(1) } }).start();
    actor.send({ type: 'BUILD' });
    const stale = SecretToken.wrap(Buffer.alloc(32, 1));
    actor.send({ type: 'BUILD' });
    actor.send({ type: 'DELETE', token: stale });
    const { record } = actor.getSnapshot().context;
    expect(actor.getSnapshot().value).toBe('holding');
    expect(record?.generation).toBe(2);
    actor.stop();
  });

  it('still deletes, inside the actor, a DELETE naming the token that is active', () => {
    const actor = createActor(tokenStoreMachine, { input: { randomBytes: countingRandomSource(1) } }).start();
    actor.send({ type: 'BUILD' });
    actor.send({ type: 'BUILD' });
    actor.send({ type: 'DELETE', token: SecretToken.wrap(Buffer.alloc(32, 2)) });
    expect(actor.getSnapshot().value).toBe('empty');
    expect(actor.getSnapshot().context.record).toBeNull();
    actor.stop();
  });
});
