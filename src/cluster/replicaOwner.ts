import type { ActiveRecord } from '../../machines/protocol';
import type { AuditEvent } from '../audit';
import { BreakGlassError, NotRunningError, type BreakGlassErrorCode } from '../errors';
import { decodeToken, encodeToken, type Token } from '../token';
import type { CallOptions, ConsumeResult, DeleteResult, LookupResult, TokenStoreHandle } from '../tokenStoreHandle';
import { Acknowledgements, type AckingPeer } from './acknowledgements';
import type { ReplicaChannel } from './channel';
import { parseReplicaMessage, REPLICA_TAG, type ReplicaMessage, type WireResult, type WireVerifier } from './protocol';
import { tokenDigest } from './replicaVerifier';

/** Options of `serveReplicas`. */
export interface ReplicaOwnerOptions {
  /**
   * How long a change waits for every replica to confirm it, in ms; 2000 by
   * default. A replica silent for longer is severed (its worker ended) and
   * reported as `replica.dropped`, and the change goes on without it.
   */
  readonly ackTimeoutMs?: number;
}

interface Peer extends AckingPeer {
  readonly channel: ReplicaChannel;
  joined: boolean;
  detach: () => void;
}

type Call = Extract<ReplicaMessage, { kind: 'call' }>;
type ReplicaAuditEvent = Extract<AuditEvent, { type: `replica.${string}` }>;
type ReplicaAuditFields = ReplicaAuditEvent extends infer E ? (E extends ReplicaAuditEvent ? Omit<E, 'at'> : never) : never;

/**
 * The owner of a replicated token store: it holds the store, applies every
 * write one at a time, and keeps each attached replica's verifier current. A
 * write resolves only after every live replica confirmed the state it produced,
 * so once `delete` resolves no worker accepts the token, and once
 * `buildAndStore` resolves every worker accepts the new one.
 *
 * Writes made on the store's handle directly, not through the owner, are seen
 * through the store's audit trail. A removal is mirrored; a token built behind
 * the owner's back cannot be (the owner never saw its bytes), so replicas are
 * emptied instead: they refuse until the owner builds the next one, and never
 * accept a replaced token.
 */
export class ReplicaOwner {
  readonly #store: TokenStoreHandle;
  readonly #peers = new Map<ReplicaChannel, Peer>();
  readonly #acks: Acknowledgements<Peer>;
  readonly #unsubscribe: () => void;
  #known: { readonly record: ActiveRecord; readonly verifier: WireVerifier } | null = null;
  #sent: { readonly record: ActiveRecord | null; readonly verifier: WireVerifier | null } | null = null;
  #version = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #inStoreCall = false;
  #closed = false;

  readonly #onClose: Array<() => void> = [];

  /** @internal Use `serveReplicas` or `serveClusterReplicas`. */
  constructor(store: TokenStoreHandle, ackTimeoutMs: number) {
    this.#store = store;
    this.#acks = new Acknowledgements<Peer>(ackTimeoutMs, (peer) => this.#drop(peer, 'unresponsive'));
    // Every change of the store, ours or not, ends in an audit event: that is when replicas must follow.
    const subscription = store.on('*', (event) => {
      if (this.#inStoreCall || !(event.type.startsWith('token.') || event.type.startsWith('store.'))) return;
      queueMicrotask(() => this.#refresh());
    });
    this.#unsubscribe = () => subscription.unsubscribe();
    this.#refresh();
  }

  /** The version of the state replicas are being sent; it grows with every change. */
  get version(): number {
    return this.#version;
  }

  /** How many replicas have joined and are live. */
  get replicas(): number {
    return [...this.#peers.values()].filter((peer) => peer.joined).length;
  }

  /**
   * Serves the replica at the other end of `channel`: it gets the current state
   * when it says hello, its writes are applied here, and it is waited on for
   * every change from then on. Answers the function that stops serving it.
   */
  attach(channel: ReplicaChannel): () => void {
    const existing = this.#peers.get(channel);
    if (existing !== undefined) return existing.detach;
    const peer: Peer = { channel, joined: false, acked: 0, detach: () => undefined };
    const stopMessages = channel.onMessage((message) => this.#receive(peer, message));
    const stopClose = channel.onClose(() => this.#drop(peer, 'exited'));
    peer.detach = () => {
      stopMessages();
      stopClose();
      if (this.#peers.get(channel) === peer) this.#peers.delete(channel);
      this.#acks.forget(peer);
    };
    if (!this.#closed) this.#peers.set(channel, peer);
    return peer.detach;
  }

  /**
   * Resolves once every live replica confirmed the state as it is now (or was
   * dropped). Writes through the owner wait for this themselves; it is for
   * changes made around it, such as stopping the store.
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
    return (await this.#write(() => this.#build(options))).result.token;
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
    this.#sent = { record: null, verifier: null };
    this.#broadcast();
    this.#acks.endAll();
    for (const peer of [...this.#peers.values()]) peer.detach();
    for (const hook of this.#onClose.splice(0)) hook();
  }

  /** @internal Runs `hook` when the owner closes, e.g. to stop attaching new workers. */
  whenClosed(hook: () => void): void {
    if (this.#closed) hook();
    else this.#onClose.push(hook);
  }

  async #build(options?: CallOptions): Promise<{ token: Token; insertedAtMs: number }> {
    const token = await this.#store.buildAndStore(options);
    const found = this.#store.lookup(token);
    const record = this.#activeRecord();
    // Only a record proven to be this token gets its digest: a build that landed in between is not ours.
    if (!found.ok || record === null) return { token, insertedAtMs: Date.now() };
    const insertedAtMs = found.insertedAt.getTime();
    this.#known = { record, verifier: { digest: tokenDigest(token).toString('base64'), insertedAtMs } };
    return { token, insertedAtMs };
  }

  /** Applies one write at a time, then waits until every live replica confirmed the state it left. */
  #write<T>(run: () => Promise<T>): Promise<{ result: T; version: number }> {
    const task = async () => {
      if (this.#closed) throw new NotRunningError(this.#store.name);
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
    const record = this.#activeRecord();
    const verifier = record !== null && this.#known?.record === record ? this.#known.verifier : null;
    if (this.#known !== null && this.#known.record !== record) this.#known = null;
    if (this.#sent !== null && this.#sent.record === record && this.#sent.verifier === verifier) return this.#version;
    this.#version += 1;
    this.#sent = { record, verifier };
    this.#broadcast();
    this.#acks.open(this.#version, [...this.#peers.values()].filter((peer) => peer.joined));
    return this.#version;
  }

  #activeRecord(): ActiveRecord | null {
    const snapshot = this.#store.actorRef?.getSnapshot();
    return snapshot?.status === 'active' ? snapshot.context.record : null;
  }

  #stateMessage() {
    const { name } = this.#store;
    return { tag: REPLICA_TAG, kind: 'state', name, version: this.#version, verifier: this.#sent?.verifier ?? null };
  }

  #broadcast(): void {
    const message = this.#stateMessage();
    for (const peer of this.#peers.values()) if (peer.joined) peer.channel.send(message);
  }

  #receive(peer: Peer, raw: unknown): void {
    const parsed = parseReplicaMessage(raw);
    if (parsed.kind === 'foreign' || this.#closed) return;
    if (parsed.kind === 'malformed') {
      this.#audit({ type: 'replica.rejected', replica: peer.channel.label, reason: 'malformed_message' });
      if (parsed.id !== undefined) peer.channel.send({ tag: REPLICA_TAG, kind: 'reply', id: parsed.id, error: 'ERR_REPLICA_PROTOCOL' });
      return;
    }
    const message = parsed.message;
    if (message.kind === 'ack') return this.#acks.ack(peer, message.version);
    if (message.kind === 'call') return this.#serve(peer, message);
    if (!peer.joined) {
      peer.joined = true;
      this.#audit({ type: 'replica.joined', replica: peer.channel.label });
    }
    peer.channel.send(this.#stateMessage());
  }

  /** A replica's write, applied like the owner's own; only the replica that asked hears the new token. */
  #serve(peer: Peer, call: Call): void {
    let candidate: Token | undefined;
    try {
      candidate = call.token === undefined ? undefined : decodeToken(call.token);
    } catch {
      // The parser admits only canonical text; should the two ever disagree, the caller hears why, the owner goes on.
      peer.channel.send({ tag: REPLICA_TAG, kind: 'reply', id: call.id, error: 'ERR_REPLICA_PROTOCOL' });
      return;
    }
    const run = async (): Promise<WireResult> => {
      switch (call.op) {
        case 'buildAndStore': {
          const { token, insertedAtMs } = await this.#build();
          const text = encodeToken(token);
          token.fill(0);
          // The version is filled in once the replicas confirmed it.
          return { token: text, insertedAtMs, version: 0 };
        }
        case 'delete':
          return this.#store.delete(candidate as Token);
        case 'consume': {
          const consumed = await this.#store.consume(candidate as Token);
          return consumed.ok ? { ok: true, insertedAtMs: consumed.insertedAt.getTime() } : { ok: false };
        }
        case 'clear':
          return this.#store.clear();
      }
    };
    const reply = (body: { result: WireResult } | { error: BreakGlassErrorCode }) => {
      if (this.#peers.get(peer.channel) === peer) peer.channel.send({ tag: REPLICA_TAG, kind: 'reply', id: call.id, ...body });
    };
    this.#write(run).then(
      ({ result, version }) => reply({ result: 'token' in result ? { ...result, version } : result }),
      (error: unknown) => reply({ error: error instanceof BreakGlassError ? error.code : 'ERR_STORE_EXITED' }),
    ).finally(() => candidate?.fill(0));
  }

  #drop(peer: Peer, reason: 'exited' | 'unresponsive'): void {
    if (this.#peers.get(peer.channel) !== peer) return;
    peer.detach();
    if (reason === 'unresponsive') peer.channel.sever();
    if (peer.joined) this.#audit({ type: 'replica.dropped', replica: peer.channel.label, reason });
  }

  #audit(event: ReplicaAuditFields): void {
    this.#store.audit({ ...event, at: new Date() } as ReplicaAuditEvent);
  }
}
