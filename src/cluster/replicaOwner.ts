import { NotRunningError } from '../errors';
import type { Token } from '../token';
import type { CallOptions, ConsumeResult, DeleteResult, LookupResult, TokenStoreHandle } from '../tokenStoreHandle';
import { Acknowledgements } from './acknowledgements';
import type { ReplicaChannel } from './channel';
import { readOwnedState, stateMessage, type OwnedState } from './ownedState';
import { ReplicaPeers, type Peer, type ReplicaAuditFields } from './replicaPeers';
import { serveWorkerCall } from './workerCalls';

/** Options of `serveReplicas`. */
export interface ReplicaOwnerOptions {
  /**
   * How long a change waits for every replica to confirm it, in ms; 2000 by
   * default. A replica silent for longer is severed (its worker ended) and
   * reported as `replica.dropped`, and the change goes on without it.
   */
  readonly ackTimeoutMs?: number;
}

/**
 * The owner of a replicated token store: it holds the store, applies every
 * write one at a time, and keeps each attached replica's verifier current. A
 * write resolves only after every live replica confirmed the state it produced,
 * so once `delete` resolves no worker accepts the token, and once
 * `buildAndStore` resolves every worker accepts the new one.
 *
 * Replicas follow the store itself, not only the owner's writes: a token built
 * or removed on the store's handle directly (by a control socket, say) reaches
 * every replica too, as soon as the store's audit trail reports it. Such a
 * write resolves without waiting for the replicas; `whenConfirmed()` waits.
 */
export class ReplicaOwner {
  readonly #store: TokenStoreHandle;
  readonly #name: string;
  readonly #peers: ReplicaPeers;
  readonly #acks: Acknowledgements<Peer>;
  readonly #unsubscribe: () => void;
  /** The state replicas were last sent; null before the first send and once closed (replicas are then empty). */
  #sent: OwnedState | null = null;
  #version = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #inStoreCall = false;
  #closed = false;

  readonly #onClose: Array<() => void> = [];

  /** @internal Use `serveReplicas` or `serveClusterReplicas`. */
  constructor(store: TokenStoreHandle, ackTimeoutMs: number) {
    this.#store = store;
    this.#name = store.name;
    this.#acks = new Acknowledgements<Peer>(ackTimeoutMs, (peer) => this.#peers.drop(peer, 'unresponsive'));
    this.#peers = new ReplicaPeers({
      name: this.#name,
      state: () => stateMessage(this.#name, this.#version, this.#sent),
      ack: (peer, version) => this.#acks.ack(peer, version),
      call: (peer, call) =>
        serveWorkerCall(
          { store, name: this.#name, write: (run) => this.#write(run), reply: (message) => this.#peers.isAttached(peer) && peer.channel.send(message) },
          call,
        ),
      forget: (peer) => this.#acks.forget(peer),
      audit: (event) => this.#audit(event),
    });
    // Every change of the store, ours or not, ends in an audit event (token.built among them): replicas follow then.
    const subscription = store.on('*', (event) => {
      // Stryker disable next-line ConditionalExpression: equivalent, a refresh that finds the state it last sent sends nothing, and every change is reported by a token or store event
      // Stryker disable next-line StringLiteral: equivalent, a refresh that finds the state it last sent sends nothing, and every change is reported by a token or store event
      const change = event.type.startsWith('token.') || event.type.startsWith('store.');
      if (this.#inStoreCall || !change) return;
      queueMicrotask(() => this.#refresh());
    });
    this.#unsubscribe = () => subscription.unsubscribe();
    this.#refresh();
  }

  /** The name of the store it serves: only replicas opened with this name (`openReplica({ name })`) are served. */
  get name(): string {
    return this.#name;
  }

  /** The version of the state replicas are being sent; it grows with every change. */
  get version(): number {
    return this.#version;
  }

  /** How many replicas have joined and are live. */
  get replicas(): number {
    return this.#peers.joined().length;
  }

  /**
   * Serves the replica at the other end of `channel`: it gets the current state
   * when it says hello, its writes are applied here, and it is waited on for
   * every change from then on. Answers the function that stops serving it.
   */
  attach(channel: ReplicaChannel): () => void {
    return this.#peers.attach(channel);
  }

  /**
   * Resolves once every live replica confirmed the state as it is now (or was
   * dropped). Writes through the owner wait for this themselves; it is for
   * changes made around it, such as a build on the store's handle or stopping the store.
   */
  whenConfirmed(): Promise<void> {
    return this.#acks.confirmed(this.#refresh());
  }

  /** The owner's own lookup: the store's, synchronous. */
  lookup(token: Uint8Array): LookupResult {
    return this.#store.lookup(token);
  }

  /** Builds a token in the store; resolves once every live replica accepts it. */
  async buildAndStore(options?: CallOptions): Promise<Token> {
    return (await this.#write(() => this.#store.buildAndStore(options))).result;
  }

  /** Deletes `token` if it is the active one; resolves once no live replica accepts it. */
  async delete(token: Uint8Array, options?: CallOptions): Promise<DeleteResult> {
    return (await this.#write(() => this.#store.delete(token, options))).result;
  }

  /** Consumes `token`: match and delete in one step; resolves once no live replica accepts it. */
  async consume(token: Uint8Array, options?: CallOptions): Promise<ConsumeResult> {
    return (await this.#write(() => this.#store.consume(token, options))).result;
  }

  /** Clears the store; resolves once every live replica is empty. */
  async clear(options?: CallOptions): Promise<{ readonly ok: true }> {
    return (await this.#write(() => this.#store.clear(options))).result;
  }

  /**
   * Stops replicating: every joined replica is sent an empty state, so it
   * refuses from now on, and the owner stops listening. The store keeps running.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#version += 1;
    this.#sent = null;
    this.#peers.broadcast(stateMessage(this.#name, this.#version, null));
    this.#acks.endAll();
    this.#peers.close();
    for (const hook of this.#onClose.splice(0)) hook();
  }

  /** @internal Runs `hook` when the owner closes, e.g. to stop attaching new workers. */
  whenClosed(hook: () => void): void {
    if (this.#closed) hook();
    else this.#onClose.push(hook);
  }

  /** Applies one write at a time, then waits until every live replica confirmed the state it left. */
  #write<T>(run: () => Promise<T>): Promise<{ result: T; version: number }> {
    const task = async () => {
      if (this.#closed) throw new NotRunningError(this.#store.name);
      // The refresh below covers the write's own audit events; skipping them saves a refresh per event.
      this.#inStoreCall = true;
      let outcome: { ok: true; result: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: await run() };
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        this.#inStoreCall = false;
      }
      const version = this.#refresh();
      await this.#acks.confirmed(version);
      if (!outcome.ok) throw outcome.error;
      return { result: outcome.result, version };
    };
    const done = this.#tail.then(task, task);
    this.#tail = done.catch(() => undefined);
    return done;
  }

  /** Sends replicas the store's state if it changed since the last send; answers the version that describes it. */
  #refresh(): number {
    if (this.#closed) return this.#version;
    const state = readOwnedState(this.#store);
    if (this.#sent !== null && this.#sent.record === state.record) return this.#version;
    this.#version += 1;
    this.#sent = state;
    this.#peers.broadcast(stateMessage(this.#name, this.#version, state));
    this.#acks.open(this.#version, this.#peers.joined());
    return this.#version;
  }

  #audit(event: ReplicaAuditFields): void {
    this.#store.audit({ ...event, at: new Date() } as Parameters<TokenStoreHandle['audit']>[0]);
  }
}
