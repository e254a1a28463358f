// A TypeScript consumer of the installed package: it must type-check under
// moduleResolution node16/nodenext and bundler. Not run by jest: compiled by the pack test.
import { createActor, setup, spawnChild, sendTo, assign, type ActorRefFrom } from 'xstate';
import {
  TokenStore,
  decodeToken,
  encodeToken,
  startLink,
  tokenStoreMachine,
  type BuiltReply,
  type LookupResult,
  type Token,
  type TokenStoreReply,
} from 'break-glass';

export const parentMachine = setup({
  types: {
    context: {} as { fingerprint: string | null },
    events: {} as { type: 'issue' } | TokenStoreReply,
  },
  actors: { tokenStore: tokenStoreMachine },
}).createMachine({
  context: { fingerprint: null },
  entry: spawnChild('tokenStore', { id: 'tokens', systemId: 'BreakGlass.TokenStore' }),
  on: {
    issue: {
      actions: sendTo('tokens', ({ self }) => ({ type: 'BUILD' as const, replyTo: self, requestId: 'issue-1' })),
    },
    'BreakGlass.BUILT': {
      actions: assign({ fingerprint: ({ event }) => (event as BuiltReply).fingerprint }),
    },
  },
});

export async function useFacade(text: string): Promise<boolean> {
  const store = startLink({ name: 'consumer' });
  const token: Token = await store.buildAndStore();
  const result: LookupResult = store.lookup(decodeToken(encodeToken(token)));
  // @ts-expect-error a string is not a token
  store.lookup(text);
  await store.stop();
  return result.ok && TokenStore.lookup(token).ok === false;
}

export const parent: ActorRefFrom<typeof parentMachine> = createActor(parentMachine);
