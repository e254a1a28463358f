import { addRestart } from '../../machines/supervisor.settings';
import { resolveSupervisorInput } from '../../machines/supervisor.settings';
import { workerMachine } from './support';

describe('addRestart()', () => {
  it('keeps restarts exactly maxSeconds old, as OTP keeps those at or after now - period', () => {
    expect(addRestart([0], 5000, 5)).toEqual([5000, 0]);
  });

  it('drops restarts older than the window', () => {
    expect(addRestart([0], 5001, 5)).toEqual([5001]);
  });

  it('stops at the first restart outside the window, newest first', () => {
    expect(addRestart([4000, 3000, 10, 0], 5005, 5)).toEqual([5005, 4000, 3000, 10]);
  });
});

describe('resolveSupervisorInput()', () => {
  const child = { id: 'worker', logic: workerMachine };

  it("fills in OTP's defaults: one_for_one, 3 restarts in 5 seconds, permanent workers", () => {
    const { specs, settings } = resolveSupervisorInput({ children: [child] });
    expect(settings).toMatchObject({ strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5 });
    expect(specs[0]).toMatchObject({ id: 'worker', restart: 'permanent', type: 'worker' });
  });

  it('rejects an unknown strategy, restart type, or a negative limit with a RangeError', () => {
    expect(() => resolveSupervisorInput({ children: [child], strategy: 'all_for_none' as never })).toThrow(RangeError);
    expect(() => resolveSupervisorInput({ children: [{ ...child, restart: 'sometimes' as never }] })).toThrow(RangeError);
    expect(() => resolveSupervisorInput({ children: [child], maxRestarts: -1 })).toThrow(RangeError);
    expect(() => resolveSupervisorInput({ children: [child], maxSeconds: 0 })).toThrow(RangeError);
  });

  it('rejects a window shorter than a millisecond, in which a child failing at every start would restart forever', () => {
    expect(() => resolveSupervisorInput({ children: [child], maxSeconds: 0.000001 })).toThrow(RangeError);
    expect(() => resolveSupervisorInput({ children: [child], maxSeconds: 0.0009 })).toThrow(RangeError);
    expect(resolveSupervisorInput({ children: [child], maxSeconds: 0.001 }).settings.maxSeconds).toBe(0.001);
  });

  it('rejects two children with one id or one systemId', () => {
    expect(() => resolveSupervisorInput({ children: [child, child] })).toThrow(/share the id/);
    const twins = [
      { id: 'a', logic: workerMachine, systemId: 'same' },
      { id: 'b', logic: workerMachine, systemId: 'same' },
    ];
    expect(() => resolveSupervisorInput({ children: twins })).toThrow(/share the systemId/);
  });

  it('rejects a child without actor logic with a TypeError', () => {
    expect(() => resolveSupervisorInput({ children: [{ id: 'x', logic: {} as never }] })).toThrow(TypeError);
  });
});
