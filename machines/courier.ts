import type { AnyActorRef } from 'xstate';

type Deliverable = AnyActorRef & { _send(event: unknown): void };

const couriers = new WeakMap<AnyActorRef, AnyActorRef>();
const recipients = new WeakMap<object, AnyActorRef>();

/**
 * The reply target the store hands `sendTo`: the caller's actor, seen through an
 * object whose delivery cannot fail the store. XState delivers a reply in a step
 * after the store's transition, and whatever throws there (a look-alike actor, or
 * a real one whose own inspection observer throws) would put the store into
 * error and lose its token. Every other property is the target's own, so
 * inspection events still name the real recipient.
 */
export function courierFor(target: AnyActorRef): AnyActorRef {
  let courier = couriers.get(target);
  if (courier === undefined) {
    courier = Object.create(target, {
      _send: {
        value(event: unknown) {
          try {
            (target as Deliverable)._send(event);
          } catch {
            // The recipient's failure is its own; the store has answered.
          }
        },
      },
    }) as AnyActorRef;
    couriers.set(target, courier);
    recipients.set(courier, target);
  }
  return courier;
}

/** The actor behind a courier, or the value itself: inspection shows the real recipient. */
export function recipientOf<T>(actor: T): T {
  return ((typeof actor === 'object' && actor !== null && recipients.get(actor)) || actor) as T;
}
