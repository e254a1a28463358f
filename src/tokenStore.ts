import { childSpec } from './childSpec';
import { NotRunningError } from './errors';
import { DEFAULT_NAME, whereis } from './registry';
import { startLink } from './startLink';
import type { CallOptions, ConsumeResult, DeleteResult, LookupResult } from './tokenStoreHandle';
import type { Token } from './token';

const REFUSED: LookupResult = Object.freeze({ ok: false as const });

function running() {
  const handle = whereis(DEFAULT_NAME);
  if (handle === undefined) throw new NotRunningError(DEFAULT_NAME);
  return handle;
}

/**
 * The module-level API, acting on the store registered under the default name,
 * function for function as `BreakGlass.TokenStore`: `TokenStore.startLink()`,
 * `TokenStore.buildAndStore()`, `TokenStore.lookup(token)`,
 * `TokenStore.delete(token)`, `TokenStore.clear()`.
 *
 * @example
 * ```ts
 * TokenStore.startLink();
 * const token = await TokenStore.buildAndStore();
 * TokenStore.lookup(token).ok; // true
 * ```
 */
export const TokenStore = Object.freeze({
  startLink,
  childSpec,
  whereis,
  /** Builds and stores a fresh token in the default store; rejects with ERR_NOT_RUNNING when there is none. */
  buildAndStore: async (options?: CallOptions): Promise<Token> => running().buildAndStore(options),
  /** Looks `token` up in the default store; `{ ok: false }` when there is none. */
  lookup: (token: Uint8Array): LookupResult => whereis(DEFAULT_NAME)?.lookup(token) ?? REFUSED,
  /** Deletes `token` from the default store if it matches. */
  delete: async (token: Uint8Array, options?: CallOptions): Promise<DeleteResult> => running().delete(token, options),
  /** Consumes `token` in the default store: match and delete in one step. */
  consume: async (token: Uint8Array, options?: CallOptions): Promise<ConsumeResult> => running().consume(token, options),
  /** Clears the default store. */
  clear: async (options?: CallOptions): Promise<{ readonly ok: true }> => running().clear(options),
  /** Stops the default store, if it runs. */
  stop: async (): Promise<void> => whereis(DEFAULT_NAME)?.stop(),
});
