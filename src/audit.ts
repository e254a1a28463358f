import type { TokenStoreAuditEvent } from '../machines/protocol';
import type { ControlCommand, ControlErrorCode } from './control/protocol';

/** Audit events the facade adds to the store's own: lifecycle and failed lookups. */
export type FacadeAuditEvent =
  | { readonly type: 'store.started'; readonly at: Date; readonly name: string }
  | { readonly type: 'store.restarted'; readonly at: Date; readonly name: string; readonly reason: string }
  | { readonly type: 'store.exited'; readonly at: Date; readonly name: string; readonly reason: string }
  /** Failed lookups since the last report, at most one report per window, so guessing cannot flood a listener. */
  | { readonly type: 'lookup.failed'; readonly at: Date; readonly count: number }
  /** One request on a control socket: what was asked (null when the line named no command) and how it ended. */
  | {
      readonly type: 'control.request';
      readonly at: Date;
      readonly command: ControlCommand | null;
      readonly outcome: 'ok' | ControlErrorCode;
    }
  /** A worker's replica announced itself to the owner and was sent the current state. */
  | { readonly type: 'replica.joined'; readonly at: Date; readonly replica: string }
  /** The owner stopped waiting for a replica: it exited, or did not confirm a change in time and was ended. */
  | { readonly type: 'replica.dropped'; readonly at: Date; readonly replica: string; readonly reason: 'exited' | 'unresponsive' }
  /** A replica sent a message tagged as replica protocol that does not follow it; nothing changed. */
  | { readonly type: 'replica.rejected'; readonly at: Date; readonly replica: string; readonly reason: 'malformed_message' };

/**
 * Everything the audit trail reports. Each event carries a time and, where a
 * token is involved, its fingerprint: never the token.
 */
export type AuditEvent = TokenStoreAuditEvent | FacadeAuditEvent;
export type AuditEventType = AuditEvent['type'];
export type AuditHandler<T extends AuditEventType | '*' = '*'> = (
  event: T extends '*' ? AuditEvent : Extract<AuditEvent, { type: T }>,
) => void;

/** What stops an audit subscription. */
export interface Unsubscribe {
  unsubscribe(): void;
}
