import type { AnyActorRef } from 'xstate';
import type { TokenStoreReply } from '../../machines/protocol';
import { CallTimeoutError, StoreExitedError } from '../errors';

interface PendingCall {
  readonly actor: AnyActorRef;
  readonly operation: string;
  readonly resolve: (reply: TokenStoreReply) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The calls a facade is waiting on, by request id: each one ends exactly once,
 * with the store's reply, a timeout, or the exit of the actor it was sent to.
 * @internal
 */
export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();
  #nextId = 0;

  constructor(private readonly storeName: string) {}

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Sends through `send` and waits for the reply. The store answers synchronously
   * when it is idle, so the timer is only armed when the reply did not come at once.
   */
  call(
    actor: AnyActorRef,
    operation: string,
    timeoutMs: number,
    send: (requestId: number) => void,
  ): Promise<TokenStoreReply> {
    const requestId = ++this.#nextId;
    return new Promise<TokenStoreReply>((resolve, reject) => {
      const entry: PendingCall = { actor, operation, resolve, reject, timer: undefined };
      this.#calls.set(requestId, entry);
      try {
        send(requestId);
      } catch (error) {
        this.#calls.delete(requestId);
        reject(new StoreExitedError(this.storeName, operation, error));
        return;
      }
      if (!this.#calls.has(requestId)) return;
      entry.timer = setTimeout(() => {
        if (this.#calls.delete(requestId)) reject(new CallTimeoutError(this.storeName, operation, timeoutMs));
      }, timeoutMs);
    });
  }

  /** Delivers a reply; one for an unknown or finished call is ignored. Answers whether it was awaited. */
  settle(reply: TokenStoreReply): boolean {
    const id = reply.requestId;
    // Stryker disable next-line ConditionalExpression: equivalent, the map holds only the numbers call() hands out, so any other id finds no entry on the next line either
    if (typeof id !== 'number') return false;
    const entry = this.#calls.get(id);
    if (entry === undefined) return false;
    this.#calls.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(reply);
    return true;
  }

  /** Rejects every call waiting on `actor` (or on any actor, when omitted) with the exit reason. */
  exit(reason: unknown, actor?: AnyActorRef): void {
    for (const [id, entry] of this.#calls) {
      if (actor !== undefined && entry.actor !== actor) continue;
      this.#calls.delete(id);
      clearTimeout(entry.timer);
      entry.reject(new StoreExitedError(this.storeName, entry.operation, reason));
    }
  }
}
