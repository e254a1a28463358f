import type { TokenStoreHandle } from './tokenStoreHandle';

/** The name a store gets when none is given, as the Elixir module registers itself. */
export const DEFAULT_NAME = 'BreakGlass.TokenStore';

// Process-wide, like the BEAM's local name registry: one live store per name.
const byName = new Map<string, TokenStoreHandle>();

/** The running store registered under `name`, if any (Elixir's `Process.whereis/1`). */
export function whereis(name: string = DEFAULT_NAME): TokenStoreHandle | undefined {
  return byName.get(name);
}

/** @internal */
export function register(name: string, handle: TokenStoreHandle): TokenStoreHandle | undefined {
  const existing = byName.get(name);
  if (existing !== undefined) return existing;
  byName.set(name, handle);
  return undefined;
}

/** @internal Frees the name, if `handle` still holds it. */
export function unregister(name: string, handle: TokenStoreHandle): void {
  if (byName.get(name) === handle) byName.delete(name);
}
