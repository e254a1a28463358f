import { assign, createActor, sendTo, setup, spawnChild } from 'xstate';
import type { TokenStoreReply } from '../../machines/protocol';
import { tokenStoreMachine } from '../../machines/tokenStore';

type ParentEvent = { type: 'ASK' } | TokenStoreReply;

/**
 * A parent actor that owns a token store as a child and talks to it with the
 * library's own protocol: `BUILD` with `replyTo: self`, answered by
 * `BreakGlass.BUILT`. Both actors are idle between requests, so one `ASK` runs
 * the whole round trip before `send` returns.
 */
const parentMachine = setup({
  types: { context: {} as { replies: number; requestId: number }, events: {} as ParentEvent },
  actors: { store: tokenStoreMachine },
}).createMachine({
  context: { replies: 0, requestId: 0 },
  entry: spawnChild('store', { id: 'store' }),
  on: {
    ASK: {
      actions: [
        assign({ requestId: ({ context }) => context.requestId + 1 }),
        sendTo('store', ({ context, self }) => ({ type: 'BUILD' as const, replyTo: self, requestId: context.requestId })),
      ],
    },
    'BreakGlass.BUILT': {
      actions: [
        // The parent takes its own copy, as any client must before the store's copy is wiped.
        ({ event }) => event.token.unwrap().fill(0),
        assign({ replies: ({ context }) => context.replies + 1 }),
      ],
    },
  },
});

/** Starts a parent with its store; `ask` performs one round trip and answers the replies seen so far. */
export function startParent(): { ask: () => number; stop: () => void } {
  const parent = createActor(parentMachine).start();
  return {
    ask: () => {
      parent.send({ type: 'ASK' });
      return parent.getSnapshot().context.replies;
    },
    stop: () => parent.stop(),
  };
}
