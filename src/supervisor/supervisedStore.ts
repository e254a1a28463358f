import { describeReason } from '../errors';
import { wipeSealed } from '../lib/sealedToken';
import { register, unregister } from '../registry';
import { handleSettings, type TokenStoreOptions } from '../startLink';
import type { StoreBinding, TokenStoreActorRef } from '../storeBinding';
import { TokenStoreHandle } from '../tokenStoreHandle';

/**
 * One token store child as its callers see it: a single handle, registered under
 * the store's name, that follows whichever instance the supervisor runs now. A
 * crashed instance is dropped the moment it fails, before its successor exists,
 * so in between the handle answers `{ ok: false }` and `ERR_NOT_RUNNING`.
 * @internal
 */
export class SupervisedStore {
  readonly handle: TokenStoreHandle;
  readonly #binding: StoreBinding;
  readonly #now: () => number;
  #started = false;
  #lastExit: unknown = undefined;

  constructor(
    readonly childId: string,
    name: string,
    options: TokenStoreOptions,
    terminate: () => void,
  ) {
    const settings = handleSettings({ ...options, name });
    this.#now = settings.now;
    this.#binding = { name, actor: undefined, stop: terminate };
    this.handle = new TokenStoreHandle(this.#binding, settings);
    if (options.onAudit !== undefined) this.handle.on('*', options.onAudit);
  }

  /** Takes the name in the process-wide registry; answers the handle already holding it, if any. */
  register(): TokenStoreHandle | undefined {
    return register(this.#binding.name, this.handle);
  }

  /** Points the handle at the supervisor's current instance of this child (or at none). */
  follow(actor: TokenStoreActorRef | undefined): void {
    const live = actor !== undefined && actor.getSnapshot().status === 'active' ? actor : undefined;
    if (live === this.#binding.actor) return;
    if (live === undefined) {
      this.#binding.actor = undefined;
      return;
    }
    this.handle.adopt(live, (exited, reason) => this.#onExit(exited, reason));
    this.#binding.actor = live;
    const at = new Date(this.#now());
    const name = this.#binding.name;
    if (this.#started) this.handle.audit({ type: 'store.restarted', at, name, reason: describeReason(this.#lastExit) });
    else this.handle.audit({ type: 'store.started', at, name });
    this.#started = true;
  }

  /** Frees the name in the process-wide registry, if this store still holds it. */
  release(): void {
    unregister(this.#binding.name, this.handle);
  }

  /** The supervisor is gone: free the name and end every call still waiting. */
  close(reason: unknown): void {
    const orphan = this.#binding.actor;
    // Only an active instance is ever bound; and were it not, wiping a wiped record and
    // stopping a stopped actor would do nothing.
    if (orphan !== undefined) {
      // XState does not stop the children of an actor that fails mid-step: the token
      // dies with its supervisor all the same, and the orphan is stopped.
      wipeSealed(orphan.getSnapshot().context.record?.sealed);
      (orphan as unknown as { _stop(): void })._stop();
    }
    this.#binding.actor = undefined;
    this.release();
    this.handle.close(reason);
  }

  #onExit(exited: TokenStoreActorRef, reason: unknown): void {
    this.#lastExit = reason;
    if (this.#binding.actor !== exited) return;
    this.#binding.actor = undefined;
    this.handle.audit({ type: 'store.exited', at: new Date(this.#now()), name: this.#binding.name, reason: describeReason(reason) });
  }
}
