import type { ActiveRecord } from '../../machines/protocol';
import { sealedDigest } from '../lib/sealedToken';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import { REPLICA_TAG, type StateMessage, type WireVerifier } from './protocol';

/**
 * The store's state as the owner replicates it: the active record, read from
 * the store's own snapshot, and the clock its deadline is measured on. Read
 * from the store rather than from the owner's own writes, so a token built
 * anywhere (a worker, the owner, a control socket, the application on the
 * handle) reaches every replica alike.
 * @internal
 */
export interface OwnedState {
  /** The active record; null when no token is active or no store is running. */
  readonly record: ActiveRecord | null;
  /** The store's monotonic clock, on which `record.expiresAtTick` is a deadline. */
  readonly monotonicNow: () => number;
}

const EMPTY: OwnedState = Object.freeze({ record: null, monotonicNow: () => 0 });

/** Reads the store's state from its snapshot; a stopped, crashed or absent store is empty. @internal */
export function readOwnedState(store: TokenStoreHandle): OwnedState {
  const snapshot = store.actorRef?.getSnapshot();
  // An errored or stopped actor keeps its last context readable: never replicate from it.
  // An active store without a token answers a null record too; the clock of a null record is never read.
  if (snapshot?.status !== 'active') return EMPTY;
  return { record: snapshot.context.record, monotonicNow: snapshot.context.deps.monotonicNow };
}

/**
 * What replicas are sent for `state`: the token's digest, never the token; its
 * insertion time; and its time left to live as of now, since a deadline on this
 * process's clock means nothing on another's. Null when no token is active, or
 * when the record's seal was already wiped (it is on its way out).
 * @internal
 */
export function verifierOf(state: OwnedState): WireVerifier | null {
  const { record } = state;
  if (record === null) return null;
  const digest = sealedDigest(record.sealed);
  if (digest === null) return null;
  const text = digest.toString('base64');
  digest.fill(0);
  const remainingMs = record.expiresAtTick === null ? null : Math.max(0, record.expiresAtTick - state.monotonicNow());
  return { digest: text, insertedAtMs: record.insertedAtMs, remainingMs };
}

/**
 * The owner's state message for version `version`. Built afresh for each send,
 * so a replica that joins late is told the time left now, not at the build.
 * @internal
 */
export function stateMessage(name: string, version: number, state: OwnedState | null): StateMessage {
  return { tag: REPLICA_TAG, kind: 'state', name, version, verifier: state === null ? null : verifierOf(state) };
}
