import type { AnyEventObject, MachineContext } from 'xstate';
import { redactValue, UNREADABLE } from './redactValue';

/**
 * A copy of an actor's context that devtools may see: the token store's sealed
 * token becomes `[redacted]` followed by its fingerprint, and any other secret
 * (bytes, token wrappers, values under secret-sounding keys) becomes a marker.
 * Works on any machine's context, so one inspector can watch a whole system.
 * Never throws.
 *
 * @example
 * ```ts
 * import { createBrowserInspector } from '@statelyai/inspect';
 * const inspector = createBrowserInspector({ sanitizeContext, sanitizeEvent });
 * ```
 */
export function sanitizeContext(context: MachineContext): MachineContext {
  const copy = redactValue(context);
  return isRecord(copy) ? copy : { value: copy };
}

/**
 * A copy of an event that devtools may see: `type` kept, every secret left out
 * (a `DELETE`'s candidate, a `BUILT` reply's token, raw bytes sent by code that
 * skipped `SecretToken`), `replyTo` reduced to the actor's id. Never throws: an
 * event whose `type` cannot be read is shown as `[unreadable]`.
 */
export function sanitizeEvent(event: AnyEventObject): AnyEventObject {
  const copy = redactValue(event);
  if (isRecord(copy) && typeof copy.type === 'string') return copy as AnyEventObject;
  return { type: UNREADABLE };
}

/** The options to spread into any `@statelyai/inspect` inspector that may see a token store. */
export interface InspectorSanitizers {
  readonly sanitizeContext: (context: MachineContext) => MachineContext;
  readonly sanitizeEvent: (event: AnyEventObject) => AnyEventObject;
}

/**
 * `sanitizeContext` and `sanitizeEvent` together, ready to spread into the
 * options of `createBrowserInspector`, `createWebSocketInspector`,
 * `createSkyInspector` or `createInspector` from `@statelyai/inspect`, which
 * otherwise forward contexts and events unchanged.
 *
 * @example
 * ```ts
 * const inspector = createWebSocketInspector({ ...breakGlassSanitizers });
 * startLink({ inspect: inspector.inspect });
 * ```
 */
export const breakGlassSanitizers: InspectorSanitizers = Object.freeze({ sanitizeContext, sanitizeEvent });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
