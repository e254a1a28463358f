import type { AnyActorScope } from 'xstate';
import { tokenStoreMachine } from '../../src';

/** A scope built by hand, as a test harness or a graph tool might, whose self is no XState actor. */
function handmadeScope() {
  const self = { id: 'handmade' };
  const inspect = () => ({ unsubscribe: () => undefined });
  const system = { inspect, _sendInspectionEvent: () => undefined };
  const scope = {
    self,
    system,
    id: 'handmade',
    sessionId: 'handmade',
    logger: () => undefined,
    defer: () => undefined,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: () => undefined,
  };
  return { scope: scope as unknown as AnyActorScope, self, system, inspect };
}

describe('tokenStoreMachine as plain logic, with a scope of its caller', () => {
  it('computes snapshots, and leaves a self that is no actor and its system as they were', () => {
    const { scope, self, system, inspect } = handmadeScope();
    const initial = tokenStoreMachine.getInitialSnapshot(scope, {});
    expect(initial.value).toBe('empty');
    const restored = tokenStoreMachine.restoreSnapshot!(tokenStoreMachine.getPersistedSnapshot(initial) as never, scope);
    expect(restored.value).toBe('empty');
    expect(tokenStoreMachine.transition(initial, { type: 'BUILD' }, scope).value).toBe('holding');
    expect(self).toEqual({ id: 'handmade' });
    expect(Object.keys(system)).toEqual(['inspect', '_sendInspectionEvent']);
    expect(system.inspect).toBe(inspect);
  });
});
