import { createActor, fromCallback, type AnyActorRef } from 'xstate';
import type { TokenStoreReply, TokenStoreEvent } from '../machines/protocol';
import { wipeReplyToken } from '../machines/tokenStore.machine';
import type { AuditEvent, AuditEventType, AuditHandler, Unsubscribe } from './audit';
import { NotRunningError, StoreExitedError } from './errors';
import { AuditHub } from './lib/auditHub';
import { isTokenBytes } from './lib/bytes';
import { PendingCalls } from './lib/pendingCalls';
import { sealedMatches, wipeSealed } from './lib/sealedToken';
import { SecretToken, secretTokenBytes, wipeSecretToken } from './lib/secretToken';
import type { StoreBinding, TokenStoreActorRef } from './storeBinding';
import { mintToken, type Token } from './token';

/** The answer of `lookup`: the token's insertion time, or a bare refusal. */
export type LookupResult = { readonly ok: true; readonly insertedAt: Date } | { readonly ok: false };
/** The answer of `delete`. */
export type DeleteResult = { readonly ok: true } | { readonly ok: false };
/** The answer of `consume`: like lookup, and the token is gone afterwards. */
export type ConsumeResult = LookupResult;

/** Per-call options. */
export interface CallOptions {
  /** How long to wait for the store, in milliseconds; the store's `callTimeoutMs` by default. */
  readonly timeoutMs?: number;
}

const REFUSED: { readonly ok: false } = Object.freeze({ ok: false as const });
const OK: { readonly ok: true } = Object.freeze({ ok: true as const });

/** @internal */
export interface HandleSettings {
  readonly callTimeoutMs: number;
  readonly now: () => number;
  readonly failureWindowMs: number;
}

/**
 * A client of one token store: `lookup` reads the actor's snapshot directly,
 * every change is an event the actor processes in turn. The handle outlives
 * restarts of the actor behind it.
 */
export class TokenStoreHandle {
  readonly #binding: StoreBinding;
  readonly #settings: HandleSettings;
  readonly #pending: PendingCalls;
  readonly #audit: AuditHub;
  readonly #watched = new WeakSet<AnyActorRef>();
  #inbox: AnyActorRef | undefined;
  #highWaterTick = Number.NEGATIVE_INFINITY;

  /** @internal */
  constructor(binding: StoreBinding, settings: HandleSettings) {
    this.#binding = binding;
    this.#settings = settings;
    this.#pending = new PendingCalls(binding.name);
    this.#audit = new AuditHub(settings.now, settings.failureWindowMs);
  }

  /** The name the store is registered under. */
  get name(): string {
    return this.#binding.name;
  }

  /** The live actor, or undefined while none is running. For devtools and `system.get`, not for reading tokens. */
  get actorRef(): TokenStoreActorRef | undefined {
    return this.#binding.actor;
  }

  /**
   * Checks `token` against the active one: synchronously, from the actor's
   * snapshot, with no event sent, in constant time. Anything that is not a 32-byte
   * `Uint8Array`, a stopped or crashed store, an expired token: `{ ok: false }`.
   *
   * @example
   * ```ts
   * if (store.lookup(token).ok) grantAccess();
   * ```
   */
  lookup(token: Uint8Array): LookupResult {
    const actor = this.#binding.actor;
    if (actor === undefined || !isTokenBytes(token)) return this.#refuse();
    const snapshot = actor.getSnapshot();
    // An errored or stopped actor keeps its last context readable: never answer from it.
    if (snapshot.status !== 'active') return this.#refuse();
    const { record, deps } = snapshot.context;
    if (!sealedMatches(record?.sealed, token)) return this.#refuse();
    // An absent seal matches nothing, so a match means a record.
    const { expiresAtTick, insertedAtMs } = record!;
    if (expiresAtTick !== null && this.#tick(deps.monotonicNow) >= expiresAtTick) return this.#refuse();
    return { ok: true, insertedAt: new Date(insertedAtMs) };
  }

  /**
   * Builds a fresh 32-byte token from the CSPRNG, replacing any active one, and
   * answers it. The Buffer is the caller's own: wiping it does not touch the store.
   *
   * @throws NotRunningError, CallTimeoutError, StoreExitedError (by code: ERR_NOT_RUNNING, ERR_CALL_TIMEOUT, ERR_STORE_EXITED).
   */
  async buildAndStore(options?: CallOptions): Promise<Token> {
    const answering = this.#binding.actor;
    const reply = await this.#call('buildAndStore', options, (base) => ({ type: 'BUILD', ...base }));
    if (reply.type !== 'BreakGlass.BUILT') throw new TypeError('unexpected reply to BUILD');
    // `#call` reads the same binding and rejects when no actor is bound, so `answering` is defined here.
    // The store may die between its reply and this line; its token died with it, so never hand that token out.
    const after = answering!.getSnapshot();
    if (after.status !== 'active') {
      wipeReplyToken(reply);
      throw new StoreExitedError(this.#binding.name, 'buildAndStore', after.status === 'error' ? after.error : 'stopped');
    }
    // One copy, straight from the reply into the caller's Buffer; the reply's own is wiped.
    const token = mintToken(secretTokenBytes(reply.token) ?? reply.token.unwrap());
    wipeReplyToken(reply);
    return token;
  }

  /**
   * Removes the active token if it is `token`. A token that does not match the
   * snapshot sends nothing; one that does is checked again by the actor, so a
   * build that lands in between is never removed.
   */
  async delete(token: Uint8Array, options?: CallOptions): Promise<DeleteResult> {
    const reply = await this.#removal('delete', 'DELETE', token, options);
    return reply?.type === 'BreakGlass.DELETED' && reply.ok ? OK : REFUSED;
  }

  /** Like `delete`, answering the token's insertion time: of two racing consumers, exactly one wins. */
  async consume(token: Uint8Array, options?: CallOptions): Promise<ConsumeResult> {
    const reply = await this.#removal('consume', 'CONSUME', token, options);
    return reply?.type === 'BreakGlass.CONSUMED' && reply.ok ? { ok: true, insertedAt: reply.insertedAt } : REFUSED;
  }

  /** Removes the active token, if any. */
  async clear(options?: CallOptions): Promise<{ readonly ok: true }> {
    await this.#call('clear', options, (base) => ({ type: 'CLEAR', ...base }));
    return OK;
  }

  /**
   * Stops the store: calls still waiting reject with `ERR_STORE_EXITED`, the name
   * is freed, and the token is wiped. Under a supervisor, stop the supervisor instead.
   */
  async stop(): Promise<void> {
    this.#binding.stop();
  }

  /**
   * Listens to the audit trail: one type, or `'*'` for all. Handlers that throw
   * are isolated. Subscriptions survive restarts of the actor.
   */
  on<T extends AuditEventType | '*'>(type: T, handler: AuditHandler<T>): Unsubscribe {
    return this.#audit.on(type, handler);
  }

  /** @internal Adopts an actor: forwards its audit events and watches for its exit. Call before starting it. */
  adopt(actor: TokenStoreActorRef, onExit: (actor: TokenStoreActorRef, reason: unknown) => void): void {
    if (this.#watched.has(actor)) return;
    this.#watched.add(actor);
    actor.on('*', (event) => this.#audit.dispatch(event as AuditEvent));
    const exit = (reason: unknown) => {
      const last = actor.getSnapshot();
      // A machine snapshot always has a context; one that failed as it was created has no record in it.
      wipeSealed(last.context.record?.sealed);
      this.#pending.exit(reason, actor);
      onExit(actor, reason);
    };
    actor.subscribe({ error: (error) => exit(error), complete: () => exit('stopped') });
  }

  /** @internal */
  audit(event: AuditEvent): void {
    this.#audit.dispatch(event);
  }

  /** @internal Ends every pending call and the reply inbox; the handle answers not-running from now on. */
  close(reason: unknown): void {
    this.#pending.exit(reason);
    this.#inbox?.stop();
    this.#inbox = undefined;
  }

  /** The store's reply, or undefined for a token refused without asking the store. */
  async #removal(
    operation: 'delete' | 'consume',
    type: 'DELETE' | 'CONSUME',
    token: Uint8Array,
    options: CallOptions | undefined,
  ): Promise<TokenStoreReply | undefined> {
    // The seed's pre-check: a token that does not match now is refused without a round trip.
    if (!this.lookup(token).ok) return undefined;
    const candidate = SecretToken.wrap(token);
    try {
      return await this.#call(operation, options, (base) => ({ type, token: candidate, ...base }));
    } finally {
      wipeSecretToken(candidate);
    }
  }

  #call(
    operation: string,
    options: CallOptions | undefined,
    event: (base: { replyTo: AnyActorRef; requestId: number }) => TokenStoreEvent,
  ): Promise<TokenStoreReply> {
    const actor = this.#binding.actor;
    if (actor === undefined || actor.getSnapshot().status !== 'active') {
      return Promise.reject(new NotRunningError(this.#binding.name));
    }
    const replyTo = this.#replyInbox();
    const timeoutMs = options?.timeoutMs ?? this.#settings.callTimeoutMs;
    if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      return Promise.reject(new RangeError('options.timeoutMs must be a number of milliseconds from 1 to 2147483647'));
    }
    return this.#pending.call(actor, operation, timeoutMs, (requestId) => actor.send(event({ replyTo, requestId })));
  }

  /**
   * One long-lived actor per handle receives every reply; created on first use.
   * It exists to be a live Actor the store may answer (the store replies to
   * nothing else); replies are settled as they are delivered, without a trip
   * through the inbox's own mailbox and transition, which would double the cost
   * of every call.
   */
  #replyInbox(): AnyActorRef {
    if (this.#inbox === undefined) {
      const pending = this.#pending;
      const inbox = createActor(fromCallback(() => undefined)).start();
      (inbox as unknown as { _send(event: unknown): void })._send = (reply) => {
        if (typeof reply !== 'object' || reply === null) return;
        if (!pending.settle(reply as TokenStoreReply)) wipeReplyToken(reply as TokenStoreReply);
      };
      this.#inbox = inbox;
    }
    return this.#inbox;
  }

  #refuse(): { readonly ok: false } {
    this.#audit.lookupFailed();
    return REFUSED;
  }

  /** The monotonic clock, held to its highest reading, so a clock that steps back never extends a token's life. */
  #tick(monotonicNow: () => number): number {
    const tick = monotonicNow();
    // Stryker disable next-line EqualityOperator: equivalent, >= only writes back the same value
    if (tick > this.#highWaterTick) this.#highWaterTick = tick;
    return this.#highWaterTick;
  }
}
