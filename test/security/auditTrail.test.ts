import { startLink, type AuditEvent, type TokenStoreHandle } from '../../src';
import { fingerprintOf } from '../../src/lib/sealedToken';

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await store?.stop();
  store = undefined;
});

describe('on()', () => {
  it('reports every use with a time and the fingerprint of the token, never the token', async () => {
    let now = 1_700_000_000_000;
    const audit: AuditEvent[] = [];
    store = startLink({ name: 'audit-all', now: () => now++, onAudit: (event) => audit.push(event) });
    const first = await store.buildAndStore();
    await store.delete(first);
    const second = await store.buildAndStore();
    await store.consume(second);
    const third = await store.buildAndStore();
    await store.clear();
    await store.stop();
    store = undefined;
    expect(audit.map((event) => event.type)).toEqual([
      'store.started',
      'token.built',
      'token.deleted',
      'token.built',
      'token.consumed',
      'token.built',
      'token.cleared',
      'store.exited',
    ]);
    for (const event of audit) expect(event.at).toBeInstanceOf(Date);
    const fingerprints = audit.flatMap((event) => ('fingerprint' in event ? [event.fingerprint] : []));
    const expected = [first, first, second, second, third, third].map((token) => fingerprintOf(token));
    expect(fingerprints).toEqual(expected);
    expect(audit.at(-1)).toMatchObject({ type: 'store.exited', reason: 'stopped' });
  });

  it('keeps the store and its token when a handler throws, and warns once per throw', async () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    store = startLink({ name: 'audit-throws' });
    store.on('token.built', () => {
      throw new Error('logger down');
    });
    const seen: string[] = [];
    store.on('*', (event) => seen.push(event.type));
    const token = await store.buildAndStore();
    expect(store.lookup(token).ok).toBe(true);
    expect(store.actorRef!.getSnapshot().status).toBe('active');
    expect(seen).toEqual(['token.built']);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0]?.[1]).toMatchObject({ code: 'BREAK_GLASS_AUDIT_HANDLER' });
  });

  it('lets a slow handler hold up nothing: the store answers before the handler finishes its work', async () => {
    store = startLink({ name: 'audit-slow' });
    let release: () => void = () => undefined;
    const handlerWork: Promise<void>[] = [];
    store.on('token.built', () => {
      handlerWork.push(new Promise<void>((resolve) => (release = resolve)));
    });
    const token = await store.buildAndStore();
    expect(store.lookup(token).ok).toBe(true);
    expect(await store.delete(token)).toEqual({ ok: true });
    release();
    await Promise.all(handlerWork);
  });

  it('reports failed lookups as one count per window, so guessing cannot flood a listener', async () => {
    let now = 0;
    const reports: AuditEvent[] = [];
    store = startLink({ name: 'audit-guess', now: () => now, failedLookupWindowMs: 1000 });
    store.on('lookup.failed', (event) => reports.push(event));
    for (let guess = 0; guess < 500; guess += 1) store.lookup(Buffer.alloc(32, guess % 256));
    expect(reports).toEqual([{ type: 'lookup.failed', at: new Date(0), count: 1 }]);
    now = 1000;
    store.lookup(Buffer.alloc(31));
    expect(reports[1]).toEqual({ type: 'lookup.failed', at: new Date(1000), count: 500 });
  });

  it('reports a malformed DELETE from another actor as event.rejected', async () => {
    const rejected: AuditEvent[] = [];
    store = startLink({ name: 'audit-rejected', now: () => 5 });
    store.on('event.rejected', (event) => rejected.push(event));
    store.actorRef!.send({ type: 'DELETE', token: Buffer.alloc(32) } as never);
    expect(rejected).toEqual([{ type: 'event.rejected', at: new Date(5), event: 'DELETE', reason: 'malformed_token' }]);
  });
});
