import { Actor, type AnyActorRef, type AnyActorScope, type AnyStateMachine } from 'xstate';
import { isolateSystemInspection } from '../src/lib/isolatedObserver';

const guarded = new WeakSet<AnyActorRef>();

/** Decides what gets in: the event to deliver (possibly a safe copy), or undefined to drop it. */
export type Admission = (event: unknown) => object | undefined;

/**
 * Puts a door on an actor's mailbox: everything sent to it (by `send`, `sendTo`,
 * or a child reporting to its parent) passes `admit` first. The actor's own
 * `stop()` does not pass here, since XState queues that directly.
 *
 * Why a door at all: XState dereferences `event.type` after a transition, outside
 * its own try/catch, so a `null` sent to any actor throws to the sender and leaves
 * the mailbox stuck; and it acts on its own `xstate.*` event types, so another
 * actor could stop or crash this one by sending them.
 */
export function guardDoor(self: AnyActorRef, admit: Admission): void {
  if (guarded.has(self)) return;
  guarded.add(self);
  const actor = self as AnyActorRef & { _send(event: unknown): void };
  const deliver = actor._send;
  actor._send = function guardedSend(this: unknown, event: unknown) {
    const admitted = admit(event);
    if (admitted !== undefined) deliver.call(this, admitted);
  };
}

/** The event's `type` when it is an object with a string type, read once and safely; otherwise undefined. */
export function eventType(event: unknown): string | undefined {
  try {
    if (typeof event !== 'object') return undefined;
    // Stryker disable next-line ConditionalExpression: equivalent, reading null's type throws and the catch answers undefined too
    if (event === null) return undefined;
    const type = (event as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    // A getter or Proxy trap that throws: the event has no type that can be read.
  }
  return undefined;
}

/**
 * Makes every actor of `machine` start behind a door, and keeps that true for the
 * machines `provide` derives from it. Returns the same machine.
 */
export function withDoor<M extends AnyStateMachine>(machine: M, admit: Admission, reharden: (provided: M) => M): M {
  const guard = (scope: AnyActorScope) => {
    if (!(scope.self instanceof Actor)) return;
    guardDoor(scope.self, admit);
    // An observer added later through the system, by anyone holding a ref, is isolated too.
    isolateSystemInspection(scope.system);
  };
  // The actor's constructor asks for its first snapshot, or restores the one it was given,
  // with the scope it later starts with: the door is up from then on, so an event sent
  // before `start()` (XState queues it until then) passes it too.
  const getInitialSnapshot = machine.getInitialSnapshot.bind(machine);
  machine.getInitialSnapshot = ((scope: AnyActorScope, input: unknown) => {
    guard(scope);
    return getInitialSnapshot(scope, input);
  }) as M['getInitialSnapshot'];
  const restoreSnapshot = machine.restoreSnapshot.bind(machine);
  machine.restoreSnapshot = ((snapshot: unknown, scope: AnyActorScope) => {
    guard(scope);
    return restoreSnapshot(snapshot as never, scope);
  }) as M['restoreSnapshot'];
  // `provide` builds a new machine: harden it too, or swapping an implementation would drop the door.
  const provide = machine.provide.bind(machine);
  machine.provide = ((implementations: Parameters<M['provide']>[0]) => reharden(provide(implementations) as M)) as M['provide'];
  return machine;
}
