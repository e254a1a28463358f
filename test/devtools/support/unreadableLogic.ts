import type { ActorLogic, EventObject, Snapshot } from 'xstate';

/**
 * Actor logic of your own whose snapshot throws when its `value` is read: XState
 * itself reads only `status`, so the actor runs, and every inspection event that
 * carries the snapshot carries a field nobody can read.
 */
export const unreadableSnapshotLogic: ActorLogic<Snapshot<undefined>, EventObject> = {
  transition: (snapshot) => snapshot,
  getInitialSnapshot: () =>
    ({
      status: 'active',
      output: undefined,
      error: undefined,
      get value(): never {
        throw new Error('unreadable');
      },
    }) as Snapshot<undefined>,
  getPersistedSnapshot: (snapshot) => snapshot,
};
