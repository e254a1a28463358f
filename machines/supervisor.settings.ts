import { performance } from 'node:perf_hooks';
import type {
  ResolvedChildSpec,
  RestartType,
  SupervisedChildSpec,
  SupervisorInput,
  SupervisorSettings,
  SupervisorStrategy,
} from './supervisor.protocol';

const STRATEGIES: readonly SupervisorStrategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/**
 * Fills in OTP's defaults (one_for_one, 3 restarts in 5 seconds, permanent
 * workers) and rejects what would make a supervisor that cannot work: a caller
 * mistake here is a TypeError or RangeError naming the field.
 */
export function resolveSupervisorInput(input: SupervisorInput | undefined): {
  readonly specs: readonly ResolvedChildSpec[];
  readonly settings: SupervisorSettings;
} {
  if (typeof input !== 'object' || input === null) throw new TypeError('supervisor input must be an object');
  const strategy = input.strategy ?? 'one_for_one';
  const maxRestarts = input.maxRestarts ?? 3;
  const maxSeconds = input.maxSeconds ?? 5;
  const now = input.now ?? (() => performance.now());
  if (!STRATEGIES.includes(strategy)) throw new RangeError(`strategy must be one of ${STRATEGIES.join(', ')}`);
  if (!(Number.isSafeInteger(maxRestarts) && maxRestarts >= 0)) {
    throw new RangeError('maxRestarts must be a whole number, zero or more');
  }
  // A window shorter than a millisecond never holds more than one restart of a child that
  // fails at every start, so the supervisor would restart it forever without yielding.
  if (!(Number.isFinite(maxSeconds) && maxSeconds >= 0.001)) {
    throw new RangeError('maxSeconds must be a number of seconds, 0.001 or more');
  }
  if (typeof now !== 'function') throw new TypeError('now must be a function');
  if (!Array.isArray(input.children)) throw new TypeError('children must be an array of child specs');
  const specs = input.children.map(resolveChildSpec);
  const ids = new Set<string>();
  const systemIds = new Set<string>();
  for (const spec of specs) {
    if (ids.has(spec.id)) throw new RangeError(`two children share the id '${spec.id}'`);
    ids.add(spec.id);
    if (spec.systemId === undefined) continue;
    if (systemIds.has(spec.systemId)) throw new RangeError(`two children share the systemId '${spec.systemId}'`);
    systemIds.add(spec.systemId);
  }
  return { specs, settings: { strategy, maxRestarts, maxSeconds, now } };
}

function resolveChildSpec(spec: SupervisedChildSpec, index: number): ResolvedChildSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`children[${index}] must be a child spec`);
  if (typeof spec.id !== 'string' || spec.id.length === 0) throw new TypeError(`children[${index}].id must be a non-empty string`);
  const logic = spec.logic as { transition?: unknown } | undefined;
  if (typeof logic !== 'object' || logic === null || typeof logic.transition !== 'function') {
    throw new TypeError(`children[${index}].logic must be XState actor logic`);
  }
  if (spec.systemId !== undefined && (typeof spec.systemId !== 'string' || spec.systemId.length === 0)) {
    throw new TypeError(`children[${index}].systemId must be a non-empty string`);
  }
  const restart = spec.restart ?? 'permanent';
  if (!RESTART_TYPES.includes(restart)) throw new RangeError(`children[${index}].restart must be one of ${RESTART_TYPES.join(', ')}`);
  const type = spec.type ?? 'worker';
  if (type !== 'worker' && type !== 'supervisor') throw new RangeError(`children[${index}].type must be worker or supervisor`);
  return { id: spec.id, logic: spec.logic, input: spec.input, systemId: spec.systemId, restart, type };
}

/**
 * OTP's `add_restart`: the restarts still inside the window (at or after
 * `now - maxSeconds`), plus this one, newest first. The supervisor gives up when
 * the list is longer than `maxRestarts`.
 */
export function addRestart(restarts: readonly number[], now: number, maxSeconds: number): number[] {
  const threshold = now - maxSeconds * 1000;
  const kept: number[] = [now];
  for (const at of restarts) {
    // Newest first, as OTP's takewhile: the first one outside the window ends the scan.
    if (at < threshold) break;
    kept.push(at);
  }
  return kept;
}
