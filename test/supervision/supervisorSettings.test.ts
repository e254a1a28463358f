import { performance } from 'node:perf_hooks';
import { resolveSupervisorInput } from '../../machines/supervisor.settings';
import type { SupervisorInput } from '../../src';
import { workerMachine } from './support';

const child = { id: 'worker', logic: workerMachine };

/** The error `resolveSupervisorInput` throws for `input`, as its class and message. */
function rejection(input: unknown): { type: string; message: string } {
  try {
    resolveSupervisorInput(input as SupervisorInput);
  } catch (error) {
    return { type: (error as Error).constructor.name, message: (error as Error).message };
  }
  throw new Error('resolveSupervisorInput accepted the input');
}

describe('resolveSupervisorInput() settings', () => {
  it('keeps every setting it is given and fills in nothing else', () => {
    const now = () => 7;
    const { settings } = resolveSupervisorInput({ children: [], strategy: 'rest_for_one', maxRestarts: 0, maxSeconds: 0.001, now });
    expect(settings).toEqual({ strategy: 'rest_for_one', maxRestarts: 0, maxSeconds: 0.001, now });
  });

  it("fills in OTP's defaults, with a monotonic clock in milliseconds", () => {
    const { specs, settings } = resolveSupervisorInput({ children: [] });
    expect(specs).toEqual([]);
    expect(settings).toEqual({ strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5, now: expect.any(Function) });
    const before = performance.now();
    const reading = settings.now();
    const after = performance.now();
    expect(reading).toBeGreaterThanOrEqual(before);
    expect(reading).toBeLessThanOrEqual(after);
  });

  it.each(['one_for_one', 'one_for_all', 'rest_for_one'] as const)('accepts the strategy %s', (strategy) => {
    expect(resolveSupervisorInput({ children: [], strategy }).settings.strategy).toBe(strategy);
  });

  it.each([undefined, null, 'children', 3])('rejects the input %p with a TypeError', (input) => {
    expect(rejection(input)).toEqual({ type: 'TypeError', message: 'supervisor input must be an object' });
  });

  it.each(['', 'one_for_none', 'ONE_FOR_ONE'])('rejects the strategy %p, naming the three it takes', (strategy) => {
    expect(rejection({ children: [], strategy })).toEqual({
      type: 'RangeError',
      message: 'strategy must be one of one_for_one, one_for_all, rest_for_one',
    });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3'])('rejects maxRestarts %p', (maxRestarts) => {
    expect(rejection({ children: [], maxRestarts })).toEqual({
      type: 'RangeError',
      message: 'maxRestarts must be a whole number, zero or more',
    });
  });

  it.each([0, 1, 2 ** 53 - 1])('accepts maxRestarts %p', (maxRestarts) => {
    expect(resolveSupervisorInput({ children: [], maxRestarts }).settings.maxRestarts).toBe(maxRestarts);
  });

  it.each([0, 0.0009, -5, Number.NaN, Number.POSITIVE_INFINITY, '5'])('rejects maxSeconds %p', (maxSeconds) => {
    expect(rejection({ children: [], maxSeconds })).toEqual({
      type: 'RangeError',
      message: 'maxSeconds must be a number of seconds, 0.001 or more',
    });
  });

  it.each([0.001, 0.5, 3600])('accepts maxSeconds %p', (maxSeconds) => {
    expect(resolveSupervisorInput({ children: [], maxSeconds }).settings.maxSeconds).toBe(maxSeconds);
  });

  it.each([0, 'now', {}])('rejects a clock %p that is not a function', (now) => {
    expect(rejection({ children: [], now })).toEqual({ type: 'TypeError', message: 'now must be a function' });
  });

  it.each([undefined, null, 'worker', { 0: child, length: 1 }])('rejects children %p that are not an array', (children) => {
    expect(rejection({ children })).toEqual({ type: 'TypeError', message: 'children must be an array of child specs' });
  });
});

describe('resolveSupervisorInput() child specs', () => {
  it('resolves each spec to its id, logic, input, systemId, restart and type, dropping anything else', () => {
    const input = { seed: 1 };
    const { specs } = resolveSupervisorInput({
      children: [
        { id: 'a', logic: workerMachine },
        { id: 'b', logic: workerMachine, input, systemId: 'test.b', restart: 'transient', type: 'supervisor', extra: 1 } as never,
        { id: 'c', logic: workerMachine, restart: 'temporary' },
      ],
    });
    expect(specs).toEqual([
      { id: 'a', logic: workerMachine, input: undefined, systemId: undefined, restart: 'permanent', type: 'worker' },
      { id: 'b', logic: workerMachine, input, systemId: 'test.b', restart: 'transient', type: 'supervisor' },
      { id: 'c', logic: workerMachine, input: undefined, systemId: undefined, restart: 'temporary', type: 'worker' },
    ]);
    expect(specs[1]).not.toHaveProperty('extra');
  });

  it.each([
    ['null', null, 'TypeError', 'children[1] must be a child spec'],
    ['a string', 'worker', 'TypeError', 'children[1] must be a child spec'],
    ['an empty id', { id: '', logic: workerMachine }, 'TypeError', 'children[1].id must be a non-empty string'],
    ['a numeric id', { id: 1, logic: workerMachine }, 'TypeError', 'children[1].id must be a non-empty string'],
    ['no logic', { id: 'x' }, 'TypeError', 'children[1].logic must be XState actor logic'],
    ['null logic', { id: 'x', logic: null }, 'TypeError', 'children[1].logic must be XState actor logic'],
    ['a function as logic', { id: 'x', logic: () => undefined }, 'TypeError', 'children[1].logic must be XState actor logic'],
    ['logic whose transition is not a function', { id: 'x', logic: { transition: 1 } }, 'TypeError', 'children[1].logic must be XState actor logic'],
    [
      'a function with a transition as logic',
      { id: 'x', logic: Object.assign(() => undefined, { transition: () => undefined }) },
      'TypeError',
      'children[1].logic must be XState actor logic',
    ],
    ['an empty systemId', { id: 'x', logic: workerMachine, systemId: '' }, 'TypeError', 'children[1].systemId must be a non-empty string'],
    ['a numeric systemId', { id: 'x', logic: workerMachine, systemId: 7 }, 'TypeError', 'children[1].systemId must be a non-empty string'],
    ['a null systemId', { id: 'x', logic: workerMachine, systemId: null }, 'TypeError', 'children[1].systemId must be a non-empty string'],
    [
      'an unknown restart type',
      { id: 'x', logic: workerMachine, restart: 'sometimes' },
      'RangeError',
      'children[1].restart must be one of permanent, transient, temporary',
    ],
    ['an unknown child type', { id: 'x', logic: workerMachine, type: 'manager' }, 'RangeError', 'children[1].type must be worker or supervisor'],
  ])('rejects a child spec with %s, naming its index', (_label, spec, type, message) => {
    expect(rejection({ children: [child, spec] })).toEqual({ type, message });
  });

  it('accepts logic of any kind that has a transition function', () => {
    const logic = { transition: () => undefined } as never;
    expect(resolveSupervisorInput({ children: [{ id: 'x', logic }] }).specs[0]!.logic).toBe(logic);
  });

  it('rejects two children with one id, or one systemId, naming it', () => {
    expect(rejection({ children: [child, { ...child }] })).toEqual({ type: 'RangeError', message: "two children share the id 'worker'" });
    const twins = [
      { id: 'a', logic: workerMachine, systemId: 'same' },
      { id: 'b', logic: workerMachine, systemId: 'same' },
    ];
    expect(rejection({ children: twins })).toEqual({ type: 'RangeError', message: "two children share the systemId 'same'" });
  });

  it('accepts several children without a systemId, and distinct ones', () => {
    const { specs } = resolveSupervisorInput({
      children: [
        { id: 'a', logic: workerMachine },
        { id: 'b', logic: workerMachine },
        { id: 'c', logic: workerMachine, systemId: 'c' },
        { id: 'd', logic: workerMachine, systemId: 'd' },
      ],
    });
    expect(specs.map((spec) => spec.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
