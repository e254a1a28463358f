import { createActor, type InspectionEvent, type Observer } from 'xstate';
import type { TokenStoreDeps, TokenStoreInput } from '../machines/protocol';
import { resolveDeps } from '../machines/deps';
import { tokenStoreMachine } from '../machines/tokenStore';
import { AlreadyStartedError } from './errors';
import { DEFAULT_NAME, register, unregister } from './registry';
import type { StoreBinding } from './storeBinding';
import { TokenStoreHandle } from './tokenStoreHandle';
import type { AuditHandler } from './audit';
import { resolveInspect } from './inspection/sanitizedInspect';

/** Options of `startLink`; all optional. */
export interface TokenStoreOptions extends Partial<TokenStoreDeps> {
  /** The name to register under; `'BreakGlass.TokenStore'` by default. */
  readonly name?: string;
  /** Default timeout of `buildAndStore`, `delete`, `consume` and `clear`, in ms; 5000 as `GenServer.call`. */
  readonly callTimeoutMs?: number;
  /** Receives every audit event from the start, `store.started` included. */
  readonly onAudit?: AuditHandler;
  /** At most one `lookup.failed` report per this many ms; 1000 by default. */
  readonly failedLookupWindowMs?: number;
  /**
   * An XState inspection observer (e.g. `inspector.inspect` from `@statelyai/inspect`)
   * for every actor the store starts. It receives sanitized events (see
   * `sanitizeInspectionEvent`) unless `unsafeRawInspection` is set.
   */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Hands `inspect` XState's raw inspection events: live actors and whole
   * snapshots, and whatever a careless sender put in an event. Tokens stay sealed
   * either way; the sanitizer also withholds unsealed bytes and secret-named fields.
   * For tests and tools that need the actors themselves; never for a relay or a log.
   */
  readonly unsafeRawInspection?: boolean;
}

/** @internal Validates options a caller may get wrong, naming the argument. */
export function handleSettings(options: TokenStoreOptions) {
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  if (!(Number.isFinite(callTimeoutMs) && callTimeoutMs > 0)) {
    throw new RangeError('options.callTimeoutMs must be a positive number of milliseconds');
  }
  const failureWindowMs = options.failedLookupWindowMs ?? 1000;
  if (!(Number.isFinite(failureWindowMs) && failureWindowMs >= 0)) {
    throw new RangeError('options.failedLookupWindowMs must be zero or more milliseconds');
  }
  const name = options.name ?? DEFAULT_NAME;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('options.name must be a non-empty string');
  return { name, callTimeoutMs, failureWindowMs, now: options.now ?? Date.now };
}

type HandleSettingsWithName = ReturnType<typeof handleSettings>;

/** @internal The machine input carried by the options. */
export function storeInput(options: TokenStoreOptions): TokenStoreInput {
  const { randomBytes, now, monotonicNow, ttlMs } = options;
  return { randomBytes, now, monotonicNow, ttlMs };
}

/** @internal Every option checked, as the handle's settings and the machine's input. */
export function checkedOptions(options: TokenStoreOptions): { settings: HandleSettingsWithName; input: TokenStoreInput } {
  const settings = handleSettings(options);
  const input = storeInput(options);
  resolveDeps(input);
  return { settings, input };
}

/**
 * Starts a token store on its own and registers it under a name, as
 * `GenServer.start_link/3` with `name:` does. Restart it under a supervisor to
 * get restart-on-crash; on its own, a crash leaves it stopped and its name free.
 *
 * @example
 * ```ts
 * const store = startLink();
 * const token = await store.buildAndStore();
 * store.lookup(token); // { ok: true, insertedAt: … }
 * ```
 * @throws AlreadyStartedError (`ERR_ALREADY_STARTED`) when the name is taken; it names the running store.
 * @throws TypeError or RangeError for an option of the wrong kind.
 */
export function startLink(options: TokenStoreOptions = {}): TokenStoreHandle {
  const { settings, input } = checkedOptions(options);
  const binding: StoreBinding = {
    name: settings.name,
    actor: undefined,
    stop: () => {
      binding.actor?.stop();
      handle.close('stopped');
    },
  };
  const handle = new TokenStoreHandle(binding, settings);
  const running = register(settings.name, handle);
  if (running !== undefined) throw new AlreadyStartedError(settings.name, running);
  let actor;
  try {
    actor = createActor(tokenStoreMachine, { input, inspect: resolveInspect(options) });
  } catch (error) {
    unregister(settings.name, handle);
    throw error;
  }
  if (options.onAudit !== undefined) handle.on('*', options.onAudit);
  // This handle only ever holds this one actor, and XState reports its end once.
  handle.adopt(actor, (_exited, reason) => {
    binding.actor = undefined;
    unregister(settings.name, handle);
    handle.close(reason);
    handle.audit({ type: 'store.exited', at: new Date(settings.now()), name: settings.name, reason: exitReason(reason) });
  });
  binding.actor = actor;
  actor.start();
  if (binding.actor === actor) {
    handle.audit({ type: 'store.started', at: new Date(settings.now()), name: settings.name });
  }
  return handle;
}

function exitReason(reason: unknown): string {
  if (reason === 'stopped') return 'stopped';
  return reason instanceof Error ? reason.name : 'error';
}
