import type { AuditEvent, AuditEventType, AuditHandler, Unsubscribe } from '../audit';

/**
 * Fans audit events out to handlers. A handler that throws is reported once as a
 * process warning and never reaches the store: an audit trail must not be able
 * to take the token down with it.
 * @internal
 */
export class AuditHub {
  readonly #handlers = new Map<string, Set<(event: AuditEvent) => void>>();
  #failedLookups = 0;
  #lastFailureReport = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly failureWindowMs: number,
  ) {}

  on<T extends AuditEventType | '*'>(type: T, handler: AuditHandler<T>): Unsubscribe {
    let set = this.#handlers.get(type);
    if (set === undefined) this.#handlers.set(type, (set = new Set()));
    const wrapped = (event: AuditEvent) => (handler as (event: AuditEvent) => void)(event);
    set.add(wrapped);
    return { unsubscribe: () => void set.delete(wrapped) };
  }

  /** True when someone listens for `type`, so callers can skip building the event. */
  wants(type: AuditEventType): boolean {
    return (this.#handlers.get(type)?.size ?? 0) > 0 || (this.#handlers.get('*')?.size ?? 0) > 0;
  }

  dispatch(event: AuditEvent): void {
    this.#deliver(this.#handlers.get(event.type), event);
    this.#deliver(this.#handlers.get('*'), event);
  }

  /** Counts a failed lookup; reports the count at most once per window. */
  lookupFailed(): void {
    if (!this.wants('lookup.failed')) return;
    this.#failedLookups += 1;
    const now = this.now();
    if (now - this.#lastFailureReport < this.failureWindowMs) return;
    const count = this.#failedLookups;
    this.#failedLookups = 0;
    this.#lastFailureReport = now;
    this.dispatch({ type: 'lookup.failed', at: new Date(now), count });
  }

  #deliver(handlers: Set<(event: AuditEvent) => void> | undefined, event: AuditEvent): void {
    if (handlers === undefined) return;
    for (const handler of handlers) {
      try {
        handler(event);
      } catch {
        process.emitWarning('a break-glass audit handler threw; the event was dropped for it', {
          code: 'BREAK_GLASS_AUDIT_HANDLER',
        });
      }
    }
  }
}
