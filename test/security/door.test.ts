import { createActor, setup } from 'xstate';
import { guardDoor } from '../../machines/door';

/** A machine that records the events it receives. */
const recorder = setup({ types: { context: {} as { received: unknown[] } } }).createMachine({
  context: () => ({ received: [] }),
  on: { '*': { actions: ({ context, event }) => context.received.push(event) } },
});

describe('guardDoor()', () => {
  it('puts one door on an actor, however often it is asked: each event passes admit once', () => {
    const actor = createActor(recorder).start();
    const admitted: unknown[] = [];
    const admit = (event: unknown) => {
      admitted.push(event);
      return { type: 'ADMITTED', copies: admitted.length };
    };
    guardDoor(actor, admit);
    guardDoor(actor, admit);
    actor.send({ type: 'ANY' });
    expect(admitted).toEqual([{ type: 'ANY' }]);
    expect(actor.getSnapshot().context.received).toEqual([{ type: 'ADMITTED', copies: 1 }]);
    actor.stop();
  });

  it('delivers what admit returns and drops what it refuses', () => {
    const actor = createActor(recorder).start();
    guardDoor(actor, (event) => ((event as { type?: unknown }).type === 'KEEP' ? { type: 'KEPT' } : undefined));
    actor.send({ type: 'DROP' });
    actor.send({ type: 'KEEP' });
    expect(actor.getSnapshot().context.received).toEqual([{ type: 'KEPT' }]);
    actor.stop();
  });
});
