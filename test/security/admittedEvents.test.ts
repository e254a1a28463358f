import { createActor, initialTransition, transition, type InspectionEvent } from 'xstate';
import { SecretToken, tokenStoreMachine } from '../../src';
import { sealedMatches } from '../../src/lib/sealedToken';

describe('the event the store processes', () => {
  it('is a frozen copy holding only the fields the store reads, and only those the sender gave', () => {
    // The store is the only actor of its system: every snapshot is its own.
    const processed: object[] = [];
    const actor = createActor(tokenStoreMachine, {
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.snapshot') processed.push(event.event);
      },
    });
    // A store that fails here fails the assertions below, not a later test through XState's unhandled-error timer.
    const failures: unknown[] = [];
    actor.subscribe({ error: (error) => failures.push(error) });
    actor.start();
    processed.length = 0; // the start
    const token = SecretToken.wrap(Buffer.alloc(32, 5));
    actor.send({ type: 'CLEAR', extra: 1 } as never);
    actor.send({ type: 'CLEAR', replyTo: undefined, requestId: undefined });
    actor.send({ type: 'BUILD', replyTo: undefined, requestId: 'build-1' });
    actor.send({ type: 'DELETE', token, replyTo: undefined, requestId: 7, extra: { token } } as never);
    actor.stop();

    expect(failures).toEqual([]);
    expect(processed).toStrictEqual([
      { type: 'CLEAR' },
      { type: 'CLEAR' },
      { type: 'BUILD', requestId: 'build-1' },
      { type: 'DELETE', token, requestId: 7 },
      { type: 'xstate.stop' },
    ]);
    // The requests, that is: `xstate.stop` is XState's own, queued by `stop()` past the door.
    expect(processed.slice(0, 4).every((event) => Object.isFrozen(event))).toBe(true);
  });
});

describe("XState's pure transition() on the store", () => {
  function holding() {
    const [empty] = initialTransition(tokenStoreMachine, { randomBytes: (size: number) => Buffer.alloc(size, 1) });
    const [snapshot] = transition(tokenStoreMachine, empty, { type: 'BUILD' });
    expect(snapshot.value).toBe('holding');
    return snapshot;
  }

  it('answers the very same snapshot for an event that is not an object with a string type, and keeps the token', () => {
    const snapshot = holding();
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    for (const junk of [null, undefined, 0, 'BUILD', ['CLEAR'], { type: 5 }, { type: undefined }, throwing]) {
      expect(transition(tokenStoreMachine, snapshot, junk as never)[0]).toBe(snapshot);
    }
    expect(sealedMatches(snapshot.context.record?.sealed, Buffer.alloc(32, 1))).toBe(true);
  });

  it('leaves the token in place for an event of a type the store does not know', () => {
    const snapshot = holding();
    const [next] = transition(tokenStoreMachine, snapshot, { type: 'REVOKE_ALL', token: SecretToken.wrap(Buffer.alloc(32, 1)) } as never);
    expect(next.value).toBe('holding');
    expect(next.context.record).toBe(snapshot.context.record);
    expect(sealedMatches(snapshot.context.record?.sealed, Buffer.alloc(32, 1))).toBe(true);
  });
});
