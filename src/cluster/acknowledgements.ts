/** One replica as the owner tracks it: the highest state version it confirmed. @internal */
export interface AckingPeer {
  acked: number;
}

interface Wait<P> {
  readonly pending: Set<P>;
  readonly done: Promise<void>;
  readonly settle: () => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The owner's open questions "has every replica applied version v?". One wait
 * per broadcast version, holding the replicas that had not confirmed it when it
 * was sent. A wait ends when the last of them confirms or leaves, or after
 * `timeoutMs`: the replicas still silent then are handed to `onLate`, which
 * drops them, so a dead or stuck worker never blocks a write for longer.
 * @internal
 */
export class Acknowledgements<P extends AckingPeer> {
  readonly #waits = new Map<number, Wait<P>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onLate: (peer: P) => void,
  ) {}

  /** Opens the wait for `version` over `peers`; resolves at once when none of them lags. */
  open(version: number, peers: Iterable<P>): void {
    const pending = new Set<P>();
    for (const peer of peers) if (peer.acked < version) pending.add(peer);
    if (pending.size === 0) return;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      const late = [...pending];
      this.#end(version);
      for (const peer of late) this.onLate(peer);
    }, this.timeoutMs);
    this.#waits.set(version, { pending, done, settle, timer });
  }

  /** Resolves once every replica that was sent `version` confirmed it, left, or was dropped as late. */
  confirmed(version: number): Promise<void> {
    const waits = [...this.#waits].filter(([open]) => open <= version).map(([, wait]) => wait.done);
    return Promise.all(waits).then(() => undefined);
  }

  /** Records that `peer` applied every version up to `version`. */
  ack(peer: P, version: number): void {
    peer.acked = Math.max(peer.acked, version);
    for (const [open, wait] of this.#waits) {
      if (open > peer.acked) continue;
      wait.pending.delete(peer);
      if (wait.pending.size === 0) this.#end(open);
    }
  }

  /** Stops waiting on `peer` anywhere: it exited or was dropped. */
  forget(peer: P): void {
    for (const [open, wait] of this.#waits) {
      if (wait.pending.delete(peer) && wait.pending.size === 0) this.#end(open);
    }
  }

  /** Ends every wait now, as confirmed: the owner is closing. */
  endAll(): void {
    for (const version of [...this.#waits.keys()]) this.#end(version);
  }

  #end(version: number): void {
    const wait = this.#waits.get(version);
    // Stryker disable next-line ConditionalExpression: equivalent, each caller passes a version whose wait is still open: a timer fires only while its wait is there, and the loops meet only open waits
    if (wait === undefined) return;
    this.#waits.delete(version);
    clearTimeout(wait.timer);
    wait.settle();
  }
}
