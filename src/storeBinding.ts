import type { ActorRefFrom } from 'xstate';
import type { tokenStoreMachine } from '../machines/tokenStore';

/** A running token store actor. */
export type TokenStoreActorRef = ActorRefFrom<typeof tokenStoreMachine>;

/**
 * Where a facade finds its store. The owner (`startLink`, or a supervisor across
 * restarts) points `actor` at the live instance and clears it when there is none,
 * so a facade taken before a crash finds the successor without a new handle.
 * @internal
 */
export interface StoreBinding {
  actor: TokenStoreActorRef | undefined;
  /** The name the store answers to, for errors and audit events. */
  readonly name: string;
  /** Stops the store for good, as its owner understands it. */
  readonly stop: () => void;
}
