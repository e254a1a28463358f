import type { AuditEvent } from '../audit';
import type { AckingPeer } from './acknowledgements';
import type { ReplicaChannel } from './channel';
import { parseReplicaMessage, REPLICA_TAG, type ReplicaMessage, type StateMessage } from './protocol';

/** One attached replica as the owner tracks it. @internal */
export interface Peer extends AckingPeer {
  readonly channel: ReplicaChannel;
  /** True once it said hello and was sent a state: only then is it sent changes and waited on. */
  joined: boolean;
  detach: () => void;
}

/** A well-formed call from a replica. @internal */
export type Call = Extract<ReplicaMessage, { kind: 'call' }>;

type ReplicaAuditEvent = Extract<AuditEvent, { type: `replica.${string}` }>;
/** A replica audit event without its time, which the owner stamps. @internal */
export type ReplicaAuditFields = ReplicaAuditEvent extends infer E ? (E extends ReplicaAuditEvent ? Omit<E, 'at'> : never) : never;

/** What the peers need from their owner. @internal */
export interface PeerHooks {
  /** The name of the owner's store: replicas of other stores may share its channels, and their messages are left to their own owners. */
  readonly name: string;
  /** The state message a replica that says hello is answered with. */
  readonly state: () => StateMessage;
  readonly ack: (peer: Peer, version: number) => void;
  readonly call: (peer: Peer, call: Call) => void;
  /** The owner stops waiting on `peer`: it was detached. */
  readonly forget: (peer: Peer) => void;
  readonly audit: (event: ReplicaAuditFields) => void;
}

/**
 * The replicas an owner serves, one per channel: their messages read and
 * routed, their joining and leaving reported on the audit trail. Everything a
 * replica sends is untrusted; a tagged message that does not follow the
 * protocol is rejected and answered with `ERR_REPLICA_PROTOCOL` when it named a
 * call, and never reaches the store. A message for another store is not
 * malformed: several owners may serve one channel, and each reads only what
 * names its own store, so another store's hello or call is neither answered
 * nor reported here.
 * @internal
 */
export class ReplicaPeers {
  readonly #peers = new Map<ReplicaChannel, Peer>();
  #closed = false;

  constructor(private readonly hooks: PeerHooks) {}

  /** The replicas that joined and are attached. */
  joined(): Peer[] {
    return [...this.#peers.values()].filter((peer) => peer.joined);
  }

  /** True while `peer` is the one attached on its channel. */
  isAttached(peer: Peer): boolean {
    return this.#peers.get(peer.channel) === peer;
  }

  /** Serves `channel`; attaching it twice answers the first detach. Answers the function that stops serving it. */
  attach(channel: ReplicaChannel): () => void {
    // Closed, it serves no more channels: it does not even listen to them.
    if (this.#closed) return () => undefined;
    const existing = this.#peers.get(channel);
    if (existing !== undefined) return existing.detach;
    const peer: Peer = { channel, joined: false, acked: 0, detach: () => undefined };
    const stopMessages = channel.onMessage((message) => this.#receive(peer, message));
    const stopClose = channel.onClose(() => this.drop(peer, 'exited'));
    peer.detach = () => {
      stopMessages();
      stopClose();
      if (this.#peers.get(channel) === peer) this.#peers.delete(channel);
      this.hooks.forget(peer);
    };
    this.#peers.set(channel, peer);
    return peer.detach;
  }

  /** Sends `message` to every joined replica. */
  broadcast(message: StateMessage): void {
    for (const peer of this.joined()) peer.channel.send(message);
  }

  /** Stops serving `peer` because it exited, or ends it because it did not confirm in time. */
  drop(peer: Peer, reason: 'exited' | 'unresponsive'): void {
    if (!this.isAttached(peer)) return;
    peer.detach();
    if (reason === 'unresponsive') peer.channel.sever();
    if (peer.joined) this.hooks.audit({ type: 'replica.dropped', replica: peer.channel.label, reason });
  }

  /** Detaches every replica and attaches no more; later messages are ignored. */
  close(): void {
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.detach();
  }

  #receive(peer: Peer, raw: unknown): void {
    const parsed = parseReplicaMessage(raw, this.hooks.name);
    if (parsed.kind === 'foreign' || this.#closed) return;
    if (parsed.kind === 'malformed') {
      this.hooks.audit({ type: 'replica.rejected', replica: peer.channel.label, reason: 'malformed_message' });
      if (parsed.id !== undefined) {
        peer.channel.send({ tag: REPLICA_TAG, kind: 'reply', name: this.hooks.name, id: parsed.id, error: 'ERR_REPLICA_PROTOCOL' });
      }
      return;
    }
    const message = parsed.message;
    if (message.kind === 'ack') return this.hooks.ack(peer, message.version);
    if (message.kind === 'call') return this.hooks.call(peer, message);
    if (!peer.joined) {
      peer.joined = true;
      this.hooks.audit({ type: 'replica.joined', replica: peer.channel.label });
    }
    peer.channel.send(this.hooks.state());
  }
}
