// Compile-only type tests, checked by `tsc --noEmit` in `npm test`: they pin the
// public signatures and the event protocol. Nothing here runs.
import type { AnyActorRef, EventFromLogic } from 'xstate';
import {
  startLink,
  TokenStore,
  decodeToken,
  tokenStoreMachine,
  type BuildEvent,
  type ClearEvent,
  type ConsumeEvent,
  type DeleteEvent,
  type DeleteResult,
  type LookupResult,
  type Token,
  type TokenStoreEvent,
  type TokenStoreReply,
} from '../../src';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const store = startLink();
declare const token: Token;
declare const bytes: Uint8Array;

assertType<Equals<TokenStoreEvent, BuildEvent | DeleteEvent | ConsumeEvent | ClearEvent>>();
assertType<Equals<TokenStoreEvent['type'], 'BUILD' | 'DELETE' | 'CONSUME' | 'CLEAR'>>();
assertType<Equals<TokenStoreReply['type'], 'BreakGlass.BUILT' | 'BreakGlass.DELETED' | 'BreakGlass.CONSUMED' | 'BreakGlass.CLEARED'>>();
// Every public event can be sent to the machine.
assertType<TokenStoreEvent extends EventFromLogic<typeof tokenStoreMachine> ? true : false>();
assertType<Equals<BuildEvent['replyTo'], AnyActorRef | undefined>>();

assertType<Equals<ReturnType<typeof store.lookup>, LookupResult>>();
assertType<Equals<LookupResult, { readonly ok: true; readonly insertedAt: Date } | { readonly ok: false }>>();
assertType<Equals<Awaited<ReturnType<typeof store.delete>>, DeleteResult>>();
assertType<Equals<DeleteResult, { readonly ok: true } | { readonly ok: false }>>();
assertType<Equals<Awaited<ReturnType<typeof store.clear>>, { readonly ok: true }>>();
assertType<Equals<Awaited<ReturnType<typeof store.buildAndStore>>, Token>>();
assertType<Equals<ReturnType<typeof decodeToken>, Token>>();
assertType<Equals<ReturnType<typeof TokenStore.lookup>, LookupResult>>();

store.lookup(token);
store.lookup(bytes);
// @ts-expect-error a string is not a token
store.lookup('c2VjcmV0');
// @ts-expect-error an array of numbers is not a token
store.lookup([1, 2, 3]);
// @ts-expect-error a string is not a token
void store.delete('c2VjcmV0');
// @ts-expect-error a string is not a token
TokenStore.lookup('c2VjcmV0');
// @ts-expect-error a Uint8Array is a token's bytes, but not a Token: only the library mints those
const minted: Token = bytes;
void minted;
// @ts-expect-error DELETE carries a SecretToken, not raw bytes, so it never serialises
const rawDelete: DeleteEvent = { type: 'DELETE', token: bytes };
void rawDelete;
