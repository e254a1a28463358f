/**
 * @jest-environment-options {"customExportConditions": ["development", "node", "require", "default"]}
 */
import { createActor } from 'xstate';
import { childSpec, startSupervisor, supervisorMachine, whereis } from '../../src';
import { crashableEntropy, workerMachine } from './support';

// This file loads XState's development build (the `development` export condition), as a
// bundler's development mode does. That build throws when an actor's snapshot is read while
// the actor builds its first one, and warns on the console about every event sent to an
// actor that is no longer running.

afterEach(() => jest.restoreAllMocks());

describe('the supervisor under the XState development build', () => {
  it('starts its children, restarts a crashed store empty, and stops', async () => {
    const entropy = crashableEntropy();
    const supervisor = startSupervisor({ children: [childSpec({ name: 'dev-supervised', randomBytes: entropy.randomBytes })] });
    expect(supervisor.actorRef.getSnapshot().status).toBe('active');
    const store = supervisor.store();
    expect(whereis('dev-supervised')).toBe(store);
    const token = await store.buildAndStore();
    entropy.arm();
    await expect(store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
    expect(store.lookup(token)).toEqual({ ok: false });
    expect(store.lookup(await store.buildAndStore()).ok).toBe(true);
    await supervisor.stop();
    expect(await supervisor.exited).toEqual({ reason: 'stopped' });
  });

  it('runs as a plain actor too', () => {
    const actor = createActor(supervisorMachine, { input: { children: [{ id: 'w', logic: workerMachine }] } }).start();
    expect(actor.getSnapshot().status).toBe('active');
    expect(Object.keys(actor.getSnapshot().children)).toEqual(['w']);
    actor.stop();
  });

  it('sends nothing to a supervisor that has already stopped', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const supervisor = startSupervisor({ children: [childSpec({ name: 'dev-stop' })] });
    await supervisor.stop();
    await supervisor.stop();
    expect(await supervisor.exited).toEqual({ reason: 'stopped' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('sends nothing to a supervisor that has given up', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const supervisor = startSupervisor({ children: [{ id: 'w', logic: workerMachine }], maxRestarts: 0 });
    supervisor.whichChildren()[0]!.actor!.send({ type: 'CRASH' });
    expect(await supervisor.exited).toMatchObject({ reason: 'failed', error: { code: 'ERR_RESTART_INTENSITY' } });
    await supervisor.stop();
    expect(warn).not.toHaveBeenCalled();
  });
});
