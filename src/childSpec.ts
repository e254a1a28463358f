import type { TokenStoreInput } from '../machines/protocol';
import type { RestartType, SupervisedChildSpec } from '../machines/supervisor.protocol';
import { tokenStoreMachine } from '../machines/tokenStore';
import { DEFAULT_NAME } from './registry';
import { checkedOptions, startLink, type TokenStoreOptions } from './startLink';
import type { TokenStoreHandle } from './tokenStoreHandle';

/**
 * How a supervisor starts and treats a child, after OTP's child specification.
 * `start` starts it on its own; a supervisor spawns `logic` with `input` under
 * `systemId` instead, so the child lives inside the supervisor's actor system.
 */
export interface ChildSpec<Started = unknown> extends SupervisedChildSpec {
  readonly id: string;
  readonly start: () => Started;
  /** `permanent`: always restarted; `transient`: only after a crash; `temporary`: never. */
  readonly restart: RestartType;
  readonly type: 'worker' | 'supervisor';
}

/** A token store's child specification, as `childSpec` returns it. */
export interface TokenStoreChildSpec extends ChildSpec<TokenStoreHandle> {
  readonly logic: typeof tokenStoreMachine;
  readonly input: TokenStoreInput;
  /** The store's name: its system id under a supervisor and its name in `whereis`. */
  readonly systemId: string;
  readonly options: TokenStoreOptions;
}

/**
 * A child specification for a token store, as Elixir's `child_spec/1`: its id and
 * system id are the store's name, and it is always restarted. Pass it to
 * `startSupervisor`, or spawn `spec.logic` with `spec.input` from any machine.
 *
 * @example
 * ```ts
 * const spec = childSpec({ name: 'tokens' }); // { id: 'tokens', restart: 'permanent', … }
 * ```
 * @throws TypeError or RangeError for an option of the wrong kind, as `startLink`.
 */
export function childSpec(options: TokenStoreOptions = {}): TokenStoreChildSpec {
  // Checked now, as startLink checks them: a store that cannot start from its input
  // would otherwise fail at every restart until the supervisor gives up.
  const { input } = checkedOptions(options);
  const name = options.name ?? DEFAULT_NAME;
  return {
    id: name,
    start: () => startLink(options),
    restart: 'permanent',
    type: 'worker',
    logic: tokenStoreMachine,
    input,
    systemId: name,
    options,
  };
}
