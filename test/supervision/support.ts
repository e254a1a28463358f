import { createActor, setup, spawnChild, stopChild, type AnyActorRef, type InspectionEvent } from 'xstate';
import { childSpec, supervisorMachine, type SupervisorInput, type TokenStoreOptions } from '../../src';
import { startSupervisor, type Supervisor, type SupervisorOptions } from '../../src';

/**
 * A random source that works until armed, then throws once per armed crash: the
 * store drawing from it while armed fails, as a broken entropy source would.
 * Restarted instances share it, so crashes can be lined up across restarts.
 */
export function crashableEntropy() {
  let seed = 1;
  let armed = 0;
  return {
    randomBytes: (size: number): Uint8Array => {
      if (armed > 0) {
        armed -= 1;
        throw new Error('entropy source failed');
      }
      return Buffer.alloc(size, seed++ % 256);
    },
    /** The next `count` draws throw. */
    arm(count = 1) {
      armed += count;
    },
  };
}

/** A clock the test moves by hand, in milliseconds. */
export function manualClock(start = 0) {
  let now = start;
  return {
    now: () => now,
    set(ms: number) {
      now = ms;
    },
  };
}

/** A minimal child for strategy tests: `CRASH` fails it, `FINISH` ends it normally. */
export const workerMachine = setup({
  types: { events: {} as { type: 'CRASH' } | { type: 'FINISH' } },
  actions: {
    crash: () => {
      throw new Error('worker crashed');
    },
  },
}).createMachine({
  initial: 'working',
  states: {
    working: { on: { CRASH: { actions: 'crash' }, FINISH: 'finished' } },
    finished: { type: 'final' },
  },
});

/** A child that, on GRAB, starts an actor under the system id `test.a`, and stops it on RELEASE. */
export const grabberMachine = setup({
  types: { events: {} as { type: 'GRAB' } | { type: 'RELEASE' } },
  actors: { worker: workerMachine },
}).createMachine({
  on: {
    GRAB: { actions: spawnChild('worker', { id: 'holder', systemId: 'test.a' }) },
    RELEASE: { actions: stopChild('holder') },
  },
});

const actors: AnyActorRef[] = [];

/** Keeps `actor` for `stopAllActors` to stop after the test. */
export function stopAfterTest<T extends AnyActorRef>(actor: T): T {
  actors.push(actor);
  return actor;
}

/** Starts the supervisor machine as a root actor that `stopAllActors` stops; `failures` collects the errors it ends with. */
export function startSupervisorActor(input: SupervisorInput, inspect?: (event: InspectionEvent) => void) {
  const actor = createActor(supervisorMachine, { input, inspect });
  const failures: unknown[] = [];
  actor.subscribe({ error: (error) => failures.push(error) });
  stopAfterTest(actor);
  actor.start();
  return { actor, failures };
}

export type SupervisorActor = ReturnType<typeof startSupervisorActor>['actor'];

export function childrenOf(actor: SupervisorActor): Record<string, AnyActorRef | undefined> {
  return actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
}

/** The supervisor's child `id`; throws when it has none. */
export function child(actor: SupervisorActor, id: string): AnyActorRef {
  const ref = childrenOf(actor)[id];
  if (ref === undefined) throw new Error(`no child ${id}`);
  return ref;
}

/** Stops, in the order they were kept, the actors `stopAfterTest` and `startSupervisorActor` kept. */
export function stopAllActors(): void {
  for (const actor of actors.splice(0)) actor.stop();
}

const running: Supervisor[] = [];

/** Starts a supervisor that `stopAllSupervisors` stops after the test. */
export function supervise(options: SupervisorOptions): Supervisor {
  const supervisor = startSupervisor(options);
  running.push(supervisor);
  return supervisor;
}

/** Starts a supervisor over one token store with a crashable entropy source. */
export function superviseStore(storeOptions: TokenStoreOptions = {}, options: Partial<SupervisorOptions> = {}) {
  const entropy = crashableEntropy();
  const spec = childSpec({ randomBytes: entropy.randomBytes, ...storeOptions });
  const supervisor = supervise({ children: [spec], ...options });
  return { supervisor, store: supervisor.store(), entropy, spec };
}

export async function stopAllSupervisors(): Promise<void> {
  await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
}
