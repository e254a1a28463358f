import { REPLICA_TAG, type ReplyMessage } from '../../src/cluster/protocol';
import type { Call } from '../../src/cluster/replicaPeers';
import { serveWorkerCall, type CallContext } from '../../src/cluster/workerCalls';
import { startLink } from '../../src/startLink';
import { encodeToken } from '../../src/token';
import type { TokenStoreHandle } from '../../src/tokenStoreHandle';

const stores: TokenStoreHandle[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.stop();
});

let count = 0;
function store(): TokenStoreHandle {
  const handle = startLink({ name: `worker-calls-test.${(count += 1)}` });
  stores.push(handle);
  return handle;
}

/** A context over `handle` whose writes run at once and report version 7; `replies` collects the answers. */
function context(handle: TokenStoreHandle): { context: CallContext; replies: ReplyMessage[]; writes: () => number; answered: Promise<ReplyMessage> } {
  const replies: ReplyMessage[] = [];
  let writes = 0;
  let answer!: (message: ReplyMessage) => void;
  const answered = new Promise<ReplyMessage>((resolve) => (answer = resolve));
  return {
    context: {
      store: handle,
      name: handle.name,
      write: async (run) => {
        writes += 1;
        return { result: await run(), version: 7 };
      },
      reply: (message) => {
        replies.push(message);
        answer(message);
      },
    },
    replies,
    writes: () => writes,
    answered,
  };
}

const call = (name: string, fields: Omit<Call, 'tag' | 'kind' | 'name'>): Call => ({ tag: REPLICA_TAG, kind: 'call', name, ...fields });

describe('serveWorkerCall()', () => {
  it('answers a call whose token it cannot decode with ERR_REPLICA_PROTOCOL at once, and never reaches the store', async () => {
    const handle = store();
    const token = await handle.buildAndStore();
    for (const op of ['delete', 'consume'] as const) {
      const { context: ctx, replies, writes } = context(handle);
      serveWorkerCall(ctx, call(handle.name, { id: 3, op, token: `${'A'.repeat(42)}B` }));
      expect(replies).toStrictEqual([{ tag: REPLICA_TAG, kind: 'reply', name: handle.name, id: 3, error: 'ERR_REPLICA_PROTOCOL' }]);
      expect(writes()).toBe(0);
    }
    expect(handle.lookup(token).ok).toBe(true);
  });

  it('answers with the version the write reports, and wipes the candidate it decoded once it answered', async () => {
    const handle = store();
    const token = await handle.buildAndStore();
    const given: Uint8Array[] = [];
    // The store as it is, except that it keeps a reference to the candidate it is handed.
    const watched = new Proxy(handle, {
      get: (target, property) => {
        if (property === 'delete') return (candidate: Uint8Array) => (given.push(candidate), target.delete(candidate));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { context: ctx, answered } = context(watched);
    serveWorkerCall(ctx, call(handle.name, { id: 5, op: 'delete', token: encodeToken(token) }));
    expect(await answered).toStrictEqual({ tag: REPLICA_TAG, kind: 'reply', name: handle.name, id: 5, result: { ok: true } });
    expect(handle.lookup(token)).toEqual({ ok: false });
    // The wipe follows the answer: let the call's last callbacks run.
    for (let round = 0; round < 5; round += 1) await Promise.resolve();
    expect(given).toHaveLength(1);
    expect([...given[0]!].every((byte) => byte === 0)).toBe(true);

    const build = context(handle);
    serveWorkerCall(build.context, call(handle.name, { id: 6, op: 'buildAndStore' }));
    expect((await build.answered) as unknown).toMatchObject({ id: 6, result: { version: 7 } });
  });
});
