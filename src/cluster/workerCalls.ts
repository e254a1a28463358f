import { BreakGlassError, type BreakGlassErrorCode } from '../errors';
import { decodeToken, encodeToken, type Token } from '../token';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import type { ReplyMessage, WireResult } from './protocol';
import { REPLICA_TAG } from './protocol';
import type { Call } from './replicaPeers';

/** What a worker's call needs from the owner. @internal */
export interface CallContext {
  readonly store: TokenStoreHandle;
  /** The owner's store name, which the reply carries so that only the replica of this store on the channel takes it. */
  readonly name: string;
  /** Applies `run` as one of the owner's writes: one at a time, resolved once every live replica confirmed the state it left. */
  readonly write: <T>(run: () => Promise<T>) => Promise<{ result: T; version: number }>;
  /** Sends the answer to the worker that asked, if it is still attached. */
  readonly reply: (message: ReplyMessage) => void;
}

/**
 * Carries out a worker's write, like one of the owner's own, and answers that
 * worker only. A build's token is the one place the token crosses a channel: in
 * this reply, to the worker that asked for it; every other replica learns the
 * new state from the broadcast digest.
 * @internal
 */
export function serveWorkerCall(context: CallContext, call: Call): void {
  const { store, write } = context;
  const answer = (body: { result: WireResult } | { error: BreakGlassErrorCode }) =>
    context.reply({ tag: REPLICA_TAG, kind: 'reply', name: context.name, id: call.id, ...body } as ReplyMessage);
  let candidate: Token | undefined;
  try {
    candidate = call.token === undefined ? undefined : decodeToken(call.token);
  } catch {
    // The parser admits only canonical text; should the two ever disagree, the caller hears why, the owner goes on.
    answer({ error: 'ERR_REPLICA_PROTOCOL' });
    return;
  }
  const run = async (): Promise<WireResult> => {
    switch (call.op) {
      case 'buildAndStore': {
        const token = await store.buildAndStore();
        const found = store.lookup(token);
        const text = encodeToken(token);
        token.fill(0);
        // The version is filled in once the replicas confirmed it.
        return { token: text, insertedAtMs: found.ok ? found.insertedAt.getTime() : Date.now(), version: 0 };
      }
      case 'delete':
        return store.delete(candidate as Token);
      case 'consume': {
        const consumed = await store.consume(candidate as Token);
        return consumed.ok ? { ok: true, insertedAtMs: consumed.insertedAt.getTime() } : { ok: false };
      }
      case 'clear':
        return store.clear();
    }
  };
  write(run)
    .then(
      ({ result, version }) => answer({ result: 'token' in result ? { ...result, version } : result }),
      (error: unknown) => answer({ error: error instanceof BreakGlassError ? error.code : 'ERR_STORE_EXITED' }),
    )
    .finally(() => candidate?.fill(0));
}
