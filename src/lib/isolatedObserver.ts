import type { InspectionEvent, Observer } from 'xstate';

/** An XState inspection observer, as an object or a bare function. */
export type InspectOption = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * An observer whose failures stay its own. XState emits some inspection events
 * outside its own try/catch: a throw there escapes the actor's processing and
 * leaves its mailbox stuck, so a store could then be neither revoked nor stopped.
 * The first throw of each observer is reported as a process warning; later ones
 * are dropped silently, so a broken observer cannot flood the log.
 * @internal
 */
export function isolatedObserver(
  inspect: InspectOption,
  view: (event: InspectionEvent) => InspectionEvent = (event) => event,
): Observer<InspectionEvent> {
  const next = typeof inspect === 'function' ? inspect : (event: InspectionEvent) => inspect.next?.(event);
  let warned = false;
  return {
    next: (event) => {
      try {
        next(view(event));
      } catch {
        if (warned) return;
        warned = true;
        process.emitWarning('a break-glass inspect observer threw; its inspection events are dropped when it throws', {
          code: 'BREAK_GLASS_INSPECT_OBSERVER',
        });
      }
    },
  };
}

type InspectableSystem = { inspect(observer: InspectOption): { unsubscribe(): void } };
const isolatedSystems = new WeakSet<object>();

/**
 * Makes every observer added later through `system.inspect` isolated as above:
 * any holder of an actor ref can reach its system and add one.
 * @internal
 */
export function isolateSystemInspection(system: unknown): void {
  if (typeof system !== 'object' || system === null || isolatedSystems.has(system)) return;
  const inspectable = system as InspectableSystem;
  if (typeof inspectable.inspect !== 'function') return;
  isolatedSystems.add(system);
  const inspect = inspectable.inspect.bind(system);
  inspectable.inspect = (observer) => inspect(isolatedObserver(observer));
}
