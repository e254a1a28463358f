import nodeCluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import {
  BreakGlassError,
  CallTimeoutError,
  NotRunningError,
  OwnerUnreachableError,
  ReplicaProtocolError,
  StoreExitedError,
  type BreakGlassErrorCode,
} from '../errors';
import { redactRendering } from '../lib/redaction';
import { DEFAULT_NAME } from '../registry';
import { decodeToken, encodeToken, mintToken, type Token } from '../token';
import type { CallOptions, ConsumeResult, DeleteResult, LookupResult } from '../tokenStoreHandle';
import { ipcChannel, parentPortChannel, type IpcEndpoint, type ReplicaChannel } from './channel';
import { parseOwnerMessage, REPLICA_TAG, type ReplicaOperation, type WireResult } from './protocol';
import { ReplicaVerifier } from './replicaVerifier';

/** Options of `openReplica`. */
export interface ReplicaOptions {
  /**
   * The name of the store this replica replicates, as the owner's store is
   * registered (`startLink({ name })`); `'BreakGlass.TokenStore'` by default.
   * Replicas and owners of several stores may share one channel: each replica
   * applies only its own store's state, and only that store's owner serves its writes.
   */
  readonly name?: string;
  /** The link to the owner; by default `process` in a cluster worker, `parentPort` in a worker thread. */
  readonly channel?: ReplicaChannel;
  /** How long a write waits for the owner, in ms, replicas' confirmations included; 10000 by default. */
  readonly callTimeoutMs?: number;
  /**
   * A clock in ms that never goes back, on which this replica keeps the deadline
   * of an expiring token; `performance.now()` by default. Replaceable for tests.
   */
  readonly monotonicNow?: () => number;
}

interface Waiting {
  readonly operation: ReplicaOperation;
  readonly timeoutMs: number;
  readonly resolve: (result: WireResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const REFUSED: { readonly ok: false } = Object.freeze({ ok: false as const });

/**
 * A read replica of the owner's token store, in a cluster worker or a worker
 * thread. `lookup` is synchronous and local, as the store's own; writes go to
 * the owner, which applies them one at a time and resolves them only once every
 * live replica has the new state. Until the first state arrives, and for good
 * once the owner is gone, every lookup answers `{ ok: false }`. A token of a
 * store with `ttlMs` is refused from its deadline on, kept on this replica's
 * own clock, even before the owner's expiry reaches it.
 *
 * It holds the token's digest, and the token's bytes once a lookup matched them,
 * both private; it renders as `[redacted]`.
 */
export class TokenStoreReplica {
  readonly #channel: ReplicaChannel;
  readonly #verifier: ReplicaVerifier;
  readonly #waiting = new Map<number, Waiting>();
  readonly #callTimeoutMs: number;
  readonly #stop: Array<() => void>;
  readonly #readiness: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  readonly #name: string;
  #nextId = 0;
  #closed = false;

  /** @internal Use `openReplica`. */
  constructor(channel: ReplicaChannel, callTimeoutMs: number, monotonicNow: () => number = () => performance.now(), name: string = DEFAULT_NAME) {
    this.#name = name;
    this.#channel = channel;
    this.#verifier = new ReplicaVerifier(monotonicNow);
    this.#callTimeoutMs = callTimeoutMs;
    this.#stop = [channel.onMessage((message) => this.#receive(message)), channel.onClose(() => this.close())];
    channel.send({ tag: REPLICA_TAG, kind: 'hello', name });
  }

  /** The name of the store this replica replicates. */
  get name(): string {
    return this.#name;
  }

  /** True once the owner's state arrived and until the owner is gone. */
  get ready(): boolean {
    return this.#verifier.ready && !this.#closed;
  }

  /** The version of the owner's state this replica holds. */
  get version(): number {
    return this.#verifier.version;
  }

  /**
   * Resolves once the replica holds the owner's state: serve requests after it.
   * @throws OwnerUnreachableError (`ERR_OWNER_UNREACHABLE`) when the owner is gone first.
   */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.#closed) return Promise.reject(new OwnerUnreachableError(this.#name, 'whenReady'));
    return new Promise((resolve, reject) => this.#readiness.push({ resolve, reject }));
  }

  /** Checks `token` against the active one, locally and in constant time; never throws. */
  lookup(token: Uint8Array): LookupResult {
    return this.#verifier.lookup(token);
  }

  /**
   * Builds a fresh token at the owner. Resolves once every live replica accepts
   * it; the token travels only to this replica.
   * @throws OwnerUnreachableError, CallTimeoutError, NotRunningError, StoreExitedError (by code).
   */
  async buildAndStore(options?: CallOptions): Promise<Token> {
    const result = await this.#call('buildAndStore', undefined, options);
    if (!('token' in result)) throw new ReplicaProtocolError('buildAndStore');
    const bytes = decodeToken(result.token);
    const token = mintToken(bytes);
    bytes.fill(0);
    this.#verifier.learn(token);
    return token;
  }

  /** Deletes `token` if it is the active one; resolves once no live replica accepts it. */
  async delete(token: Uint8Array, options?: CallOptions): Promise<DeleteResult> {
    // The seed's pre-check: a token this replica does not accept costs the owner nothing.
    if (!this.lookup(token).ok) return REFUSED;
    const result = await this.#call('delete', encodeToken(token), options);
    return 'ok' in result && result.ok ? { ok: true } : REFUSED;
  }

  /** Consumes `token`: match and delete in one step, at the owner; of two racing consumers, one wins. */
  async consume(token: Uint8Array, options?: CallOptions): Promise<ConsumeResult> {
    if (!this.lookup(token).ok) return REFUSED;
    const result = await this.#call('consume', encodeToken(token), options);
    if (!('ok' in result) || !result.ok || result.insertedAtMs === undefined) return REFUSED;
    return { ok: true, insertedAt: new Date(result.insertedAtMs) };
  }

  /** Clears the owner's store; resolves once every live replica is empty. */
  async clear(options?: CallOptions): Promise<{ readonly ok: true }> {
    await this.#call('clear', undefined, options);
    return { ok: true };
  }

  /** Stops listening to the owner and empties the replica; waiting writes reject with `ERR_OWNER_UNREACHABLE`. */
  close(): void {
    // Safe to run again: a closed replica has nothing left to stop, settle or empty, and queues no call or wait.
    this.#closed = true;
    this.#verifier.empty();
    for (const stop of this.#stop.splice(0)) stop();
    for (const [id, waiting] of this.#waiting) this.#settle(id, waiting, new OwnerUnreachableError(this.#name, waiting.operation));
    for (const { reject } of this.#readiness.splice(0)) reject(new OwnerUnreachableError(this.#name, 'whenReady'));
  }

  #call(operation: ReplicaOperation, token: string | undefined, options?: CallOptions): Promise<WireResult> {
    if (this.#closed) return Promise.reject(new OwnerUnreachableError(this.#name, operation));
    const timeoutMs = options?.timeoutMs ?? this.#callTimeoutMs;
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      // Every settlement clears the timer: when it fires, the call is still waiting.
      const timer = setTimeout(() => this.#settle(id, waiting, new CallTimeoutError(this.#name, operation, timeoutMs)), timeoutMs);
      const waiting: Waiting = { operation, timeoutMs, resolve, reject, timer };
      this.#waiting.set(id, waiting);
      this.#channel.send({ tag: REPLICA_TAG, kind: 'call', name: this.#name, id, op: operation, ...(token === undefined ? {} : { token }) });
    });
  }

  #receive(raw: unknown): void {
    // States and replies of other stores sharing the channel read as foreign: they are not this replica's.
    const parsed = parseOwnerMessage(raw, this.#name);
    if (parsed.kind === 'foreign' || this.#closed) return;
    if (parsed.kind === 'malformed') {
      // Stryker disable next-line ConditionalExpression: equivalent, the map's keys are the numeric call ids, so looking up undefined finds nothing either
      const waiting = parsed.id === undefined ? undefined : this.#waiting.get(parsed.id);
      if (waiting !== undefined) this.#settle(parsed.id!, waiting, new ReplicaProtocolError(waiting.operation));
      return;
    }
    const message = parsed.message;
    if (message.kind === 'state') {
      this.#verifier.apply(message.version, message.verifier);
      this.#channel.send({ tag: REPLICA_TAG, kind: 'ack', name: this.#name, version: this.#verifier.version });
      for (const { resolve } of this.#readiness.splice(0)) resolve();
      return;
    }
    const waiting = this.#waiting.get(message.id);
    if (waiting === undefined) return;
    this.#settle(message.id, waiting, 'error' in message ? this.#error(message.error, waiting) : message.result);
  }

  #settle(id: number, waiting: Waiting, outcome: WireResult | Error): void {
    this.#waiting.delete(id);
    clearTimeout(waiting.timer);
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome);
  }

  /** The owner's error, as the same class a single-process store would throw. */
  #error(code: BreakGlassErrorCode, waiting: Waiting): BreakGlassError {
    switch (code) {
      case 'ERR_NOT_RUNNING':
        return new NotRunningError(this.#name);
      case 'ERR_CALL_TIMEOUT':
        return new CallTimeoutError(this.#name, waiting.operation, waiting.timeoutMs);
      case 'ERR_STORE_EXITED':
        return new StoreExitedError(this.#name, waiting.operation, 'exited at the owner');
      default:
        return new ReplicaProtocolError(waiting.operation);
    }
  }
}
redactRendering(TokenStoreReplica, 'TokenStoreReplica');

/**
 * Opens a read replica of the owner's store, in a cluster worker or a worker
 * thread, and says hello to the owner, which answers with its state. Name the
 * store when it is not the default one: a replica follows only the owner of
 * the store it names.
 *
 * @example
 * ```ts
 * const store = openReplica({ name: 'admin' }); // the owner's store: startLink({ name: 'admin' })
 * await store.whenReady();
 * http.createServer((req, res) => (store.lookup(bearer(req)).ok ? admin(res) : deny(res))).listen(8080);
 * ```
 * @throws TypeError outside a cluster worker or worker thread when no channel is given.
 * @throws RangeError when `options.callTimeoutMs` is not a positive number.
 * @throws TypeError when `options.monotonicNow` is given and is not a function.
 * @throws TypeError when `options.name` is given and is not a non-empty string.
 */
export function openReplica(options: ReplicaOptions = {}): TokenStoreReplica {
  const name = options.name ?? DEFAULT_NAME;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('options.name must be a non-empty string');
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  if (!(Number.isFinite(callTimeoutMs) && callTimeoutMs > 0)) {
    throw new RangeError('options.callTimeoutMs must be a positive number of milliseconds');
  }
  const { monotonicNow } = options;
  if (monotonicNow !== undefined && typeof monotonicNow !== 'function') throw new TypeError('options.monotonicNow must be a function');
  return new TokenStoreReplica(options.channel ?? defaultChannel(), callTimeoutMs, monotonicNow, name);
}

function defaultChannel(): ReplicaChannel {
  // Stryker disable next-line StringLiteral: equivalent, the replica never reads its own channel's label; only the owner names channels, on its audit trail
  if (nodeCluster.isWorker) return ipcChannel(process as unknown as IpcEndpoint, 'cluster primary');
  // Node gives every worker thread a parentPort, and the main thread none.
  if (parentPort !== null) return parentPortChannel(parentPort);
  throw new TypeError('openReplica: outside a cluster worker or a worker thread, options.channel is required');
}
