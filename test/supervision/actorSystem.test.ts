import { assign, createActor, sendTo, setup, spawnChild, stopChild, type AnyActorRef } from 'xstate';
import {
  childSpec,
  REDACTED,
  supervisorMachine,
  tokenStoreMachine,
  type BuiltReply,
  type DeletedReply,
  type TokenStoreReply,
} from '../../src';
import { crashableEntropy, workerMachine } from './support';

const NAME = 'BreakGlass.TokenStore';
const actors: AnyActorRef[] = [];

function start<T extends AnyActorRef>(actor: T): T {
  actors.push(actor);
  actor.start();
  return actor;
}

afterEach(() => {
  for (const actor of actors.splice(0)) actor.stop();
});

type ParentEvent =
  | TokenStoreReply
  | { type: 'ASK' }
  | { type: 'DELETE_LAST' }
  | { type: 'GRAB_NAME' }
  | { type: `xstate.error.actor.${string}`; error: unknown };

/** A parent that owns the store itself, restarting it the way the supervisor does, and talks to it by events. */
function storeOwningParent(input: { randomBytes: (size: number) => Uint8Array }) {
  return setup({
    types: { context: {} as { built: BuiltReply[]; deleted: DeletedReply[]; crashes: number }, events: {} as ParentEvent },
    actors: { tokenStore: tokenStoreMachine },
  }).createMachine({
    context: { built: [], deleted: [], crashes: 0 },
    entry: spawnChild('tokenStore', { id: 'store', systemId: NAME, input }),
    on: {
      ASK: { actions: sendTo(({ system }) => system.get(NAME), ({ self }) => ({ type: 'BUILD', replyTo: self, requestId: 'ask' })) },
      DELETE_LAST: {
        actions: sendTo(
          ({ system }) => system.get(NAME),
          ({ context, self }) => ({ type: 'DELETE', token: context.built.at(-1)!.token, replyTo: self, requestId: 'del' }),
        ),
      },
      'BreakGlass.BUILT': { actions: assign({ built: ({ context, event }) => [...context.built, event as BuiltReply] }) },
      'BreakGlass.DELETED': { actions: assign({ deleted: ({ context, event }) => [...context.deleted, event as DeletedReply] }) },
      'xstate.error.actor.store': {
        actions: [
          stopChild('store'),
          spawnChild('tokenStore', { id: 'store', systemId: NAME, input }),
          assign({ crashes: ({ context }) => context.crashes + 1 }),
        ],
      },
    },
  });
}

describe('tokenStoreMachine in a parent machine', () => {
  it('answers BUILD by event with a redacted token, and after a crash the new store under the same systemId refuses the old one', () => {
    const entropy = crashableEntropy();
    const parent = start(createActor(storeOwningParent(entropy)));
    parent.send({ type: 'ASK' });
    const [reply] = parent.getSnapshot().context.built;
    expect(reply).toMatchObject({ type: 'BreakGlass.BUILT', requestId: 'ask' });
    expect(JSON.stringify(reply)).toContain(REDACTED);
    const first = parent.system.get(NAME) as AnyActorRef;
    entropy.arm();
    parent.send({ type: 'ASK' });
    expect(first.getSnapshot().status).toBe('error');
    expect(parent.getSnapshot().context.crashes).toBe(1);
    const second = parent.system.get(NAME) as AnyActorRef;
    expect(second).not.toBe(first);
    expect(second.getSnapshot().status).toBe('active');
    parent.send({ type: 'DELETE_LAST' });
    expect(parent.getSnapshot().context.deleted).toEqual([
      { type: 'BreakGlass.DELETED', requestId: 'del', ok: false, reason: 'no_match' },
    ]);
  });
});

describe('supervisorMachine in a parent machine', () => {
  function supervisingParent(children: unknown[], maxRestarts?: number) {
    return setup({
      types: { context: {} as { failure: unknown; built: BuiltReply[] }, events: {} as ParentEvent },
      actors: { supervisor: supervisorMachine, worker: workerMachine },
    }).createMachine({
      context: { failure: undefined, built: [] },
      entry: spawnChild('supervisor', {
        id: 'supervisor',
        systemId: 'BreakGlass.Supervisor',
        input: { children: children as never, maxRestarts },
      }),
      on: {
        ASK: { actions: sendTo(({ system }) => system.get(NAME), ({ self }) => ({ type: 'BUILD', replyTo: self, requestId: 1 })) },
        'BreakGlass.BUILT': { actions: assign({ built: ({ context, event }) => [...context.built, event as BuiltReply] }) },
        GRAB_NAME: { actions: spawnChild('worker', { id: 'impostor', systemId: NAME }) },
        'xstate.error.actor.supervisor': { actions: assign({ failure: ({ event }) => (event as { error: unknown }).error }) },
      },
    });
  }

  it('keeps the store reachable by systemId across a crash, with no help from the parent', () => {
    const entropy = crashableEntropy();
    const parent = start(createActor(supervisingParent([childSpec({ randomBytes: entropy.randomBytes })])));
    parent.send({ type: 'ASK' });
    const first = parent.system.get(NAME) as AnyActorRef;
    entropy.arm();
    parent.send({ type: 'ASK' });
    const second = parent.system.get(NAME) as AnyActorRef;
    expect(second).not.toBe(first);
    parent.send({ type: 'ASK' });
    expect(parent.getSnapshot().context.built).toHaveLength(2);
    expect(parent.getSnapshot().context.failure).toBeUndefined();
  });

  it('reports giving up to its parent as xstate.error.actor.<id> with the child id and last reason', () => {
    const entropy = crashableEntropy();
    const parent = start(createActor(supervisingParent([childSpec({ randomBytes: entropy.randomBytes })], 1)));
    entropy.arm(2);
    parent.send({ type: 'ASK' });
    parent.send({ type: 'ASK' });
    expect(parent.getSnapshot().status).toBe('active');
    expect(parent.getSnapshot().context.failure).toMatchObject({ code: 'ERR_RESTART_INTENSITY', childId: NAME });
    expect(parent.system.get(NAME)).toBeUndefined();
  });

  it('counts a systemId taken by another actor at restart as a failed restart, and gives up with ERR_NAME_CONFLICT as the last reason', () => {
    const entropy = crashableEntropy();
    const parent = start(createActor(supervisingParent([childSpec({ randomBytes: entropy.randomBytes })])));
    const store = parent.system.get(NAME) as AnyActorRef;
    // The crashed store has freed its name; the impostor takes it before the supervisor can restart.
    store.subscribe({ error: () => parent.send({ type: 'GRAB_NAME' }) });
    entropy.arm();
    store.send({ type: 'BUILD' });
    const failure = parent.getSnapshot().context.failure as { code: string; lastReason: { code: string; systemId: string } };
    expect(failure.code).toBe('ERR_RESTART_INTENSITY');
    expect(failure.lastReason).toMatchObject({ code: 'ERR_NAME_CONFLICT', systemId: NAME });
    expect((parent.system.get(NAME) as AnyActorRef).id).toBe('impostor');
    // One crash and three refused retries: the default limit of 3, then no more attempts.
    const supervisor = parent.system.get('BreakGlass.Supervisor') ?? (parent.getSnapshot().children as Record<string, AnyActorRef>)['supervisor'];
    expect(supervisor?.getSnapshot()).toMatchObject({ status: 'error', context: { restarts: [0, 0, 0, 0].map(() => expect.any(Number)) } });
    expect(parent.getSnapshot().status).toBe('active');
  });
});
