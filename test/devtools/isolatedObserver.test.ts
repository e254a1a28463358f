import { createActor, type InspectionEvent } from 'xstate';
import { sanitizedInspect, startLink, tokenStoreMachine } from '../../src';
import { isolateSystemInspection } from '../../src/lib/isolatedObserver';
import { spiedWarningsAndStore } from './support/observerFixture';

const fixture = spiedWarningsAndStore();

const ourWarnings = () =>
  fixture.warnings.mock.calls.filter(([, options]) => (options as { code?: string } | undefined)?.code === 'BREAK_GLASS_INSPECT_OBSERVER');

describe('an inspect observer given as an object', () => {
  it.each([
    ['sanitized (the default)', false],
    ['raw (unsafeRawInspection)', true],
  ])('receives every event through next: %s', async (_label, unsafeRawInspection) => {
    const seen: InspectionEvent[] = [];
    fixture.store = startLink({ name: `observer-object-${String(unsafeRawInspection)}`, unsafeRawInspection, inspect: { next: (event) => void seen.push(event) } });
    await fixture.store.buildAndStore();
    const types = new Set(seen.map((event) => event.type));
    expect(types).toEqual(new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.action', '@xstate.microstep']));
    expect(seen[0]!.actorRef === fixture.store.actorRef).toBe(unsafeRawInspection);
    expect(ourWarnings()).toEqual([]);
  });

  it('without next, is left alone: the store works and nothing is warned', async () => {
    fixture.store = startLink({ name: 'observer-without-next', inspect: { complete: () => undefined } });
    const token = await fixture.store.buildAndStore();
    expect(fixture.store.lookup(token).ok).toBe(true);
    const actor = createActor(tokenStoreMachine, { inspect: sanitizedInspect({}) }).start();
    actor.send({ type: 'BUILD' });
    expect(actor.getSnapshot().value).toBe('holding');
    actor.stop();
    expect(ourWarnings()).toEqual([]);
  });
});

describe('the warning about a throwing observer', () => {
  it('is one fixed sentence that carries nothing of the event or of what was thrown', async () => {
    fixture.store = startLink({
      name: 'warning-text',
      inspect: (event) => {
        throw new Error(`observer failed on ${JSON.stringify(event)} with secret-abc`);
      },
    });
    await fixture.store.buildAndStore();
    expect(ourWarnings()).toEqual([
      ['a break-glass inspect observer threw; its inspection events are dropped when it throws', { code: 'BREAK_GLASS_INSPECT_OBSERVER' }],
    ]);
  });
});

describe('isolating a system\'s later observers', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'system'],
    ['an object without inspect', {}],
  ])('leaves alone what is not a system: %s', (_label, system) => {
    expect(() => isolateSystemInspection(system)).not.toThrow();
  });

  it('leaves alone a system whose inspect is not a function', () => {
    const system = { inspect: 42 };
    expect(() => isolateSystemInspection(system)).not.toThrow();
    expect(system.inspect).toBe(42);
  });
});
