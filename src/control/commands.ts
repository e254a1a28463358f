import { BreakGlassError } from '../errors';
import { decodeToken, encodeToken } from '../token';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import { fingerprintOf } from '../lib/sealedToken';
import { failure, type ControlRequest, type ControlResponse, type StatusResponse } from './protocol';

/** What the commands need besides the store. @internal */
export interface CommandSettings {
  /** Handed back with every issued token, so the operator gets a ready command line. */
  readonly serviceUrl: string | undefined;
}

/**
 * Carries out one well-formed request against the store. Never throws: a store
 * that is down or slow becomes a failure response with the store's own code.
 * @internal
 */
export async function runControlCommand(
  request: ControlRequest,
  store: TokenStoreHandle,
  settings: CommandSettings,
): Promise<ControlResponse> {
  try {
    switch (request.command) {
      case 'issue':
        return await issue(store, settings);
      case 'status':
        return status(store);
      case 'revoke':
        return await revoke(store, request.token);
      case 'clear':
        await store.clear();
        return { ok: true, command: 'clear' };
    }
  } catch (error) {
    // Library errors never quote a token, so their message may go back to the operator; anything else may.
    if (error instanceof BreakGlassError) return failure(error.code, error.message, request.command);
    return failure('ERR_CONTROL_INTERNAL', 'the service failed to carry out the request', request.command);
  }
}

async function issue(store: TokenStoreHandle, settings: CommandSettings): Promise<ControlResponse> {
  const bytes = await store.buildAndStore();
  try {
    const fingerprint = fingerprintOf(bytes);
    // Fingerprints are public, so a plain comparison is fine; a build racing right behind may already have replaced it.
    const record = store.actorRef?.getSnapshot().context.record;
    const insertedAtMs = record?.sealed.fingerprint === fingerprint ? record.insertedAtMs : Date.now();
    return {
      ok: true,
      command: 'issue',
      token: encodeToken(bytes),
      fingerprint,
      insertedAt: new Date(insertedAtMs).toISOString(),
      ...(settings.serviceUrl === undefined ? {} : { url: settings.serviceUrl }),
    };
  } finally {
    bytes.fill(0);
  }
}

/** Read from the actor's snapshot, like `lookup`: the sealed record yields its fingerprint, never its bytes. */
function status(store: TokenStoreHandle): StatusResponse | ControlResponse {
  const snapshot = store.actorRef?.getSnapshot();
  if (snapshot === undefined || snapshot.status !== 'active') {
    return failure('ERR_NOT_RUNNING', `no token store named '${store.name}' is running`, 'status');
  }
  const record = snapshot.context.record;
  if (record === null) return { ok: true, command: 'status', active: false };
  return {
    ok: true,
    command: 'status',
    active: true,
    fingerprint: record.sealed.fingerprint,
    insertedAt: new Date(record.insertedAtMs).toISOString(),
  };
}

async function revoke(store: TokenStoreHandle, text: string): Promise<ControlResponse> {
  // decodeToken throws MalformedTokenError, whose message never repeats the text.
  const candidate = decodeToken(text);
  try {
    // The store's own delete: constant-time, and re-checked by the actor against a build racing it.
    const result = await store.delete(candidate);
    if (result.ok) return { ok: true, command: 'revoke' };
    return failure('ERR_CONTROL_REFUSED', 'that token is not the active one; nothing was revoked', 'revoke');
  } finally {
    candidate.fill(0);
  }
}
