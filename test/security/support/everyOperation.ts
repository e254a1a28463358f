import { assign, createActor, sendTo, setup, type InspectionEvent, type Observer } from 'xstate';
import {
  childSpec,
  cryptoRandomSource,
  startSupervisor,
  decodeToken,
  encodeToken,
  SecretToken,
  startLink,
  tokenStoreMachine,
  type AuditEvent,
  type BuiltReply,
  type TokenStoreHandle,
} from '../../../src';

/** Everything a run produced that a leak check must search, and the tokens to search for. */
export interface OperationsRun {
  /** Copies of every token the stores drew, taken as the random source handed them out. */
  readonly tokens: Buffer[];
  readonly audit: AuditEvent[];
  /** Values the library returned or threw: results, errors, handles, snapshots. */
  readonly returned: unknown[];
}

type Inspect = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** A parent machine that runs its own token store as a child and drives it with BUILD, DELETE and CONSUME. */
const parentMachine = (randomBytes: (size: number) => Uint8Array) =>
  setup({
  types: { context: {} as { token: SecretToken | null; replies: string[] }, events: {} as BuiltReply | { type: string } },
  actors: { store: tokenStoreMachine },
}).createMachine({
  context: { token: null, replies: [] },
  invoke: { src: 'store', id: 'store', input: { ttlMs: 60_000, randomBytes } },
  initial: 'building',
  states: {
    building: {
      entry: sendTo('store', ({ self }) => ({ type: 'BUILD' as const, replyTo: self, requestId: 'parent-1' })),
      on: {
        'BreakGlass.BUILT': {
          target: 'holding',
          // The parent keeps the reply's wrapper in its context: it must stay redacted in every snapshot.
          actions: assign({ token: ({ event }) => (event as BuiltReply).token }),
        },
      },
    },
    holding: {
      on: {
        DROP: {
          actions: [
            sendTo('store', ({ context, self }) => ({ type: 'DELETE' as const, token: context.token!, replyTo: self })),
            sendTo('store', ({ context, self }) => ({ type: 'CONSUME' as const, token: context.token!, replyTo: self })),
          ],
        },
        'BreakGlass.*': { actions: assign({ replies: ({ context, event }) => [...context.replies, event.type] }) },
      },
    },
  },
});

/**
 * Runs every operation the library offers against stores that report to
 * `inspect`: facade builds, lookups (good, bad, malformed), delete, consume,
 * clear, a crash and a restart under the same name, a crash under a supervisor
 * and its restart, a parent-driven BUILD with
 * `replyTo` followed by DELETE and CONSUME, persisted snapshots of both.
 */
export async function runEveryOperation(inspect: Inspect): Promise<OperationsRun> {
  const tokens: Buffer[] = [];
  let broken = false;
  const randomBytes = (size: number): Uint8Array => {
    // A 31-byte draw is the library's own crash case: a broken random source stops the store.
    if (broken) return new Uint8Array(size - 1);
    const bytes = cryptoRandomSource(size);
    tokens.push(Buffer.from(bytes));
    return bytes;
  };
  const audit: AuditEvent[] = [];
  const returned: unknown[] = [];
  // Raw inspection events, so the search covers what XState itself hands an observer, not the library's sanitized copy.
  const options = {
    name: 'leak-check',
    inspect,
    unsafeRawInspection: true,
    randomBytes,
    onAudit: (event: AuditEvent) => audit.push(event),
  };

  let store: TokenStoreHandle = startLink(options);
  const first = await store.buildAndStore();
  returned.push(store.lookup(first), store.lookup(Buffer.alloc(32)), store.lookup(first.subarray(0, 31)));
  returned.push(store.actorRef?.getSnapshot(), store.actorRef?.getPersistedSnapshot());
  returned.push(await store.delete(first));
  const second = await store.buildAndStore();
  returned.push(await store.consume(decodeToken(encodeToken(second))), await store.consume(second));
  const third = await store.buildAndStore();
  returned.push(await store.delete(Buffer.alloc(32, 7)), await store.clear(), store.lookup(third));
  await store.buildAndStore();
  broken = true;
  returned.push(await store.buildAndStore().catch((error: unknown) => error));
  returned.push(store.actorRef, store.lookup(third));
  broken = false;

  // The restart: the name is free again after the crash, and the new store starts empty.
  store = startLink(options);
  returned.push(store.actorRef?.getSnapshot());
  const fourth = await store.buildAndStore();
  returned.push(store.lookup(fourth), store);

  // A crash under a supervisor: the same handle answers for the restarted, empty store.
  const supervisor = startSupervisor({
    name: 'leak-check-supervisor',
    inspect,
    unsafeRawInspection: true,
    children: [childSpec({ name: 'leak-check-supervised', randomBytes, onAudit: options.onAudit })],
  });
  const supervised = supervisor.store();
  const fifth = await supervised.buildAndStore();
  broken = true;
  returned.push(await supervised.buildAndStore().catch((error: unknown) => error));
  broken = false;
  returned.push(supervised.lookup(fifth), supervisor.whichChildren());
  const sixth = await supervised.buildAndStore();
  returned.push(supervised.lookup(sixth), supervised.actorRef?.getPersistedSnapshot());
  await supervisor.stop();

  const parent = createActor(parentMachine(randomBytes), { inspect });
  parent.start();
  const child = parent.getSnapshot().children.store;
  returned.push(parent.getSnapshot(), parent.getPersistedSnapshot(), child?.getSnapshot());
  parent.send({ type: 'DROP' });
  returned.push(parent.getSnapshot(), parent.getPersistedSnapshot());
  parent.stop();
  await store.stop();
  returned.push(store.lookup(fourth));
  return { tokens, audit, returned };
}
