import type { InspectionEvent, Observer } from 'xstate';
import { redactValue } from './redactValue';
import { sanitizeContext, sanitizeEvent } from './sanitizers';

/** A plain, JSON-safe, secret-free account of one XState inspection event. */
export interface RedactedInspectionEvent {
  readonly type: string;
  /** The id of the actor the event is about. */
  readonly actorId: string;
  readonly sessionId: string;
  readonly rootId: string | undefined;
  /** The event received (`@xstate.event`) or that caused the snapshot, sanitized. */
  readonly event?: unknown;
  /** Status, state value and sanitized context of the actor after the event. */
  readonly snapshot?: { readonly status: unknown; readonly value: unknown; readonly context: unknown };
}

/**
 * Reduces a raw inspection event, which holds live actors and whole snapshots,
 * to what a log or a relay may carry: ids, the sanitized event, the status, value
 * and sanitized context. Never throws.
 *
 * @example
 * ```ts
 * startLink({ inspect: (event) => logger.debug(redactInspectionEvent(event)) });
 * ```
 */
export function redactInspectionEvent(inspection: InspectionEvent): RedactedInspectionEvent {
  try {
    const actorRef = inspection.actorRef;
    const base = {
      type: String(inspection.type),
      actorId: String((actorRef as { id?: unknown }).id),
      sessionId: String(actorRef.sessionId),
      rootId: typeof inspection.rootId === 'string' ? inspection.rootId : undefined,
    };
    if (inspection.type === '@xstate.event') return { ...base, event: sanitizeEvent(inspection.event) };
    if (inspection.type === '@xstate.snapshot') {
      return { ...base, event: sanitizeEvent(inspection.event), snapshot: snapshotOf(inspection.snapshot) };
    }
    if (inspection.type === '@xstate.actor') return { ...base, snapshot: snapshotOf(actorRef.getSnapshot()) };
    return base;
  } catch {
    return { type: 'unreadable', actorId: 'unknown', sessionId: 'unknown', rootId: undefined };
  }
}

function snapshotOf(snapshot: unknown): RedactedInspectionEvent['snapshot'] {
  const { status, value, context } = (snapshot ?? {}) as { status?: unknown; value?: unknown; context?: unknown };
  return {
    status: redactValue(status),
    value: redactValue(value),
    context: typeof context === 'object' && context !== null ? sanitizeContext(context) : redactValue(context),
  };
}

/**
 * An `inspect` option for `createActor` or `startLink` that hands `next` only
 * redacted inspection events, for observers that log or forward what they see.
 * A throwing `next` is contained: inspection must never break the store.
 *
 * @example
 * ```ts
 * startLink({ inspect: redactedInspector((event) => console.debug(JSON.stringify(event))) });
 * ```
 */
export function redactedInspector(next: (event: RedactedInspectionEvent) => void): Observer<InspectionEvent> {
  return {
    next: (inspection) => {
      try {
        next(redactInspectionEvent(inspection));
      } catch {
        // A logger's failure is the logger's: the actor that is being inspected carries on.
      }
    },
  };
}
