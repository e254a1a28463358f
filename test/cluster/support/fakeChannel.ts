import type { ReplicaChannel } from '../../../src/cluster/channel';
import { REPLICA_TAG } from '../../../src/cluster/protocol';

/**
 * A replica channel the test drives by hand, synchronously: what the owner
 * sends is recorded in `sent`, `deliver` hands it a message from the replica
 * side, `close` reports the other end gone.
 */
export interface FakeChannel extends ReplicaChannel {
  readonly sent: Array<Record<string, unknown>>;
  /** Delivers `message` to every listener, as the channel would. */
  deliver(message: unknown): void;
  /** Reports the other end gone, as the channel would on exit. */
  close(): void;
  /** How many times the owner severed it. */
  readonly severed: number;
  /** How many message and close listeners are registered. */
  readonly listeners: number;
  /** The first message sent, before or from now on, that satisfies `test`. */
  sentMessage(test: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export function fakeChannel(label = 'fake replica'): FakeChannel {
  const sent: Array<Record<string, unknown>> = [];
  const onMessage = new Set<(message: unknown) => void>();
  const onClose = new Set<() => void>();
  const waiters = new Set<{ test: (message: Record<string, unknown>) => boolean; resolve: (message: Record<string, unknown>) => void }>();
  let severed = 0;
  return {
    label,
    sent,
    send: (message) => {
      const record = message as Record<string, unknown>;
      sent.push(record);
      for (const waiter of [...waiters]) {
        if (!waiter.test(record)) continue;
        waiters.delete(waiter);
        waiter.resolve(record);
      }
    },
    sentMessage: (test) => {
      const found = sent.find(test);
      return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiters.add({ test, resolve }));
    },
    onMessage: (listener) => {
      onMessage.add(listener);
      return () => void onMessage.delete(listener);
    },
    onClose: (listener) => {
      onClose.add(listener);
      return () => void onClose.delete(listener);
    },
    sever: () => void (severed += 1),
    deliver: (message) => {
      for (const listener of [...onMessage]) listener(message);
    },
    close: () => {
      for (const listener of [...onClose]) listener();
    },
    get severed() {
      return severed;
    },
    get listeners() {
      return onMessage.size + onClose.size;
    },
  };
}

/** The replica messages a test sends on a fake channel, for store `name`. */
export function replicaSays(name: string) {
  return {
    hello: () => ({ tag: REPLICA_TAG, kind: 'hello', name }),
    ack: (version: number) => ({ tag: REPLICA_TAG, kind: 'ack', name, version }),
    call: (id: number, op: string, token?: string) => ({ tag: REPLICA_TAG, kind: 'call', name, id, op, ...(token === undefined ? {} : { token }) }),
  };
}
