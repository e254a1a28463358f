import type { AnyEventObject, InspectionEvent, Observer } from 'xstate';
import { recipientOf } from '../../machines/courier';
import { isolatedObserver, type InspectOption } from '../lib/isolatedObserver';
import { redactValue } from './redactValue';
import { sanitizeContext, sanitizeEvent } from './sanitizers';

/** What `startLink`, `startSupervisor` and `createActor` accept as `inspect`. */
export type { InspectOption };

/** A snapshot as devtools may see it: plain, JSON-safe, no secret. */
export interface SanitizedSnapshot {
  readonly status: unknown;
  readonly value: unknown;
  readonly context: unknown;
  /** Child actors by id, each reduced to `{ actor: id }`. */
  readonly children: unknown;
  readonly output: unknown;
  readonly error: unknown;
}

interface RawActor {
  readonly id?: unknown;
  readonly sessionId: string;
  readonly _parent?: RawActor;
  readonly logic?: { readonly config?: unknown };
  getSnapshot(): unknown;
  send(event: AnyEventObject): void;
}

/** One view per actor, so observers that compare `actorRef`s across events still can. */
const views = new WeakMap<object, InspectedActor>();

/**
 * What an inspection observer sees of an actor under redaction: its id, session
 * id, parent and definition, a snapshot that is sanitized each time it is read,
 * and `send`. Never the actor itself, whose snapshot holds the sealed token and
 * whose system reaches every other actor's snapshot.
 */
class InspectedActor {
  readonly #actor: RawActor;

  constructor(actor: RawActor) {
    this.#actor = actor;
  }

  get id(): string {
    return String(this.#actor.id);
  }

  get sessionId(): string {
    return this.#actor.sessionId;
  }

  /** Read by `@statelyai/inspect` for the parent link of the supervision tree. */
  get _parent(): InspectedActor | undefined {
    const parent = this.#actor._parent;
    return parent === undefined ? undefined : viewOf(parent);
  }

  /**
   * The machine's definition as written in code (what the Stately inspector draws),
   * never runtime data: `@statelyai/inspect` reads `logic.config`.
   */
  get logic(): { readonly config: unknown } | undefined {
    const config = this.#actor.logic?.config;
    return config === undefined ? undefined : { config };
  }

  getSnapshot(): SanitizedSnapshot {
    return sanitizeSnapshot(this.#actor.getSnapshot());
  }

  /** Sending is not reading: an observer may still talk to the actor it watches. */
  send(event: AnyEventObject): void {
    this.#actor.send(event);
  }

  toJSON(): { readonly actor: string } {
    return { actor: this.id };
  }
}

function viewOf(reached: RawActor): InspectedActor {
  // A reply reaches its recipient through the store's courier; the view is the recipient's.
  const actor = recipientOf(reached);
  let view = views.get(actor);
  if (view === undefined) {
    view = new InspectedActor(actor);
    views.set(actor, view);
  }
  return view;
}

/**
 * The sanitized copy of one inspection event. Its parts are sanitized when they
 * are first read and kept: an observer that reads nothing (or only `type`) costs
 * one small object per event, which keeps an attached inspector cheap on writes.
 */
class SanitizedInspectionEvent {
  readonly #raw: InspectionEvent;
  #event: AnyEventObject | undefined;
  #snapshot: SanitizedSnapshot | undefined;

  constructor(raw: InspectionEvent) {
    this.#raw = raw;
  }

  get type(): InspectionEvent['type'] {
    return this.#raw.type;
  }

  get rootId(): string {
    return this.#raw.rootId;
  }

  get actorRef(): InspectedActor {
    return viewOf(this.#raw.actorRef as RawActor);
  }

  get sourceRef(): InspectedActor | undefined {
    const source = (this.#raw as { sourceRef?: RawActor }).sourceRef;
    return source === undefined ? undefined : viewOf(source);
  }

  get event(): AnyEventObject | undefined {
    const event = (this.#raw as { event?: AnyEventObject }).event;
    if (event === undefined) return undefined;
    this.#event ??= sanitizeEvent(event);
    return this.#event;
  }

  get snapshot(): SanitizedSnapshot | undefined {
    const snapshot = (this.#raw as { snapshot?: unknown }).snapshot;
    if (snapshot === undefined) return undefined;
    this.#snapshot ??= sanitizeSnapshot(snapshot);
    return this.#snapshot;
  }

  /** An action's type and its parameters, redacted (`@xstate.action` only). */
  get action(): { readonly type: string; readonly params: unknown } | undefined {
    const action = (this.#raw as { action?: { type: unknown; params: unknown } }).action;
    return action === undefined ? undefined : { type: String(action.type), params: redactValue(action.params) };
  }

  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      rootId: this.rootId,
      actorRef: this.actorRef.toJSON(),
      sourceRef: this.sourceRef?.toJSON(),
      event: this.event,
      snapshot: this.snapshot,
      action: this.action,
    };
  }
}

function sanitizeSnapshot(snapshot: unknown): SanitizedSnapshot {
  try {
    const { status, value, context, children, output, error } = (snapshot ?? {}) as Record<string, unknown>;
    return {
      status: redactValue(status),
      value: redactValue(value),
      context: typeof context === 'object' && context !== null ? sanitizeContext(context) : redactValue(context),
      children: redactValue(children),
      output: redactValue(output),
      error: redactValue(error),
    };
  } catch {
    return { status: 'unreadable', value: undefined, context: undefined, children: undefined, output: undefined, error: undefined };
  }
}

/**
 * An inspection event as devtools may see it, in XState's own shape so that
 * `@statelyai/inspect` and any other observer can read it as usual: the event is
 * sanitized as `sanitizeEvent` does, every snapshot as `sanitizeContext` does for
 * the context (status, value, child ids, output and error kept, redacted), and
 * each actor is a view with its ids, parent, definition and a sanitized snapshot.
 * `JSON.stringify` and `util.inspect` of the result show nothing more.
 *
 * @example
 * ```ts
 * const seen: unknown[] = [];
 * const store = startLink({ name: 'sanitized-example', unsafeRawInspection: true, inspect: (event) => seen.push(sanitizeInspectionEvent(event)) });
 * await store.buildAndStore();
 * await store.stop();
 * ```
 */
export function sanitizeInspectionEvent(event: InspectionEvent): InspectionEvent {
  return new SanitizedInspectionEvent(event) as unknown as InspectionEvent;
}

/**
 * Wraps an `inspect` option so that it receives only sanitized inspection events
 * (see `sanitizeInspectionEvent`). `startLink` and `startSupervisor` do this to
 * every `inspect` they are given unless `unsafeRawInspection` is set; wrap the
 * `inspect` of your own `createActor` with it when your machine runs the store or
 * the supervisor as a child.
 *
 * @example
 * ```ts
 * const app = createActor(supervisorMachine, {
 *   input: { children: [childSpec({ name: 'wrapped-example' })] },
 *   inspect: sanitizedInspect((event) => console.debug(event.type)),
 * }).start();
 * app.stop();
 * ```
 */
export function sanitizedInspect(inspect: InspectOption): Observer<InspectionEvent> {
  return isolatedObserver(inspect, sanitizeInspectionEvent);
}

/**
 * @internal The `inspect` a start function hands XState: the caller's, wrapped in
 * the sanitizer unless the caller opted out by name, and isolated either way.
 */
export function resolveInspect(options: {
  readonly inspect?: InspectOption;
  readonly unsafeRawInspection?: boolean;
}): Observer<InspectionEvent> | undefined {
  if (options.inspect === undefined) return undefined;
  return options.unsafeRawInspection === true ? isolatedObserver(options.inspect) : sanitizedInspect(options.inspect);
}

