import { DEFAULT_NAME } from './registry';
import { startLink, type TokenStoreOptions } from './startLink';
import type { TokenStoreHandle } from './tokenStoreHandle';

/** How a supervisor starts and treats a child, after OTP's child specification. */
export interface ChildSpec<Started = unknown> {
  readonly id: string;
  readonly start: () => Started;
  /** `permanent`: always restarted; `transient`: only after a crash; `temporary`: never. */
  readonly restart: 'permanent' | 'transient' | 'temporary';
  readonly type: 'worker' | 'supervisor';
}

/**
 * A child specification for a token store, as Elixir's `child_spec/1`: its id is
 * the store's name, and it is always restarted.
 *
 * @example
 * ```ts
 * const spec = childSpec({ name: 'tokens' }); // { id: 'tokens', restart: 'permanent', … }
 * ```
 */
export function childSpec(options: TokenStoreOptions = {}): ChildSpec<TokenStoreHandle> & { readonly options: TokenStoreOptions } {
  return {
    id: options.name ?? DEFAULT_NAME,
    start: () => startLink(options),
    restart: 'permanent',
    type: 'worker',
    options,
  };
}
