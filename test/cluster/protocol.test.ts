import { parseOwnerMessage, parseReplicaMessage, REPLICA_TAG } from '../../src/cluster/protocol';
import { tokenDigest } from '../../src/cluster/replicaVerifier';
import { encodeToken } from '../../src/token';

const NAME = 'admin';
const TOKEN = encodeToken(Buffer.alloc(32, 5));
const DIGEST = tokenDigest(Buffer.alloc(32, 5)).toString('base64');
const FOREIGN = { kind: 'foreign' };
const MALFORMED = { kind: 'malformed' };

/** A message whose `field` getter throws, as a hostile peer's object could. */
function throwing(fields: Record<string, unknown>, field: string): Record<string, unknown> {
  return Object.defineProperty({ ...fields }, field, {
    enumerable: true,
    get: () => {
      throw new Error('hostile getter');
    },
  });
}

/** What an unreadable id (negative, fractional, unsafe, not a number) looks like. */
const BAD_IDS: unknown[] = [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined];

describe('parseReplicaMessage()', () => {
  const tagged = (fields: Record<string, unknown>) => ({ tag: REPLICA_TAG, name: NAME, ...fields });

  it.each([[null], [undefined], [42], ['hello'], [[REPLICA_TAG, 'hello']], [{ kind: 'hello', name: NAME }], [{ tag: 'break-glass.replica/1', kind: 'hello', name: NAME }]])(
    'reads %p, untagged or of another protocol version, as foreign',
    (raw) => {
      expect(parseReplicaMessage(raw, NAME)).toEqual(FOREIGN);
    },
  );

  it('reads an array as foreign, even one given the fields of a message', () => {
    const disguised = Object.assign([], { tag: REPLICA_TAG, kind: 'hello', name: NAME });
    expect(parseReplicaMessage(disguised, NAME)).toEqual(FOREIGN);
  });

  it('reads any tagged message that names another store as foreign, however malformed otherwise', () => {
    for (const fields of [{ kind: 'hello' }, { kind: 'call', id: -1, op: 'dump' }, { kind: 'ack', version: 'x' }, { kind: 'what' }]) {
      expect(parseReplicaMessage({ tag: REPLICA_TAG, name: 'ops', ...fields }, NAME)).toEqual(FOREIGN);
    }
  });

  it('reads a message whose store name is missing, empty or not a string as malformed, with the call id when it has one', () => {
    for (const name of [undefined, '', 7, ['admin'], null]) {
      expect(parseReplicaMessage({ tag: REPLICA_TAG, kind: 'call', name, id: 3, op: 'clear' }, NAME)).toStrictEqual({ kind: 'malformed', id: 3 });
      expect(parseReplicaMessage({ tag: REPLICA_TAG, kind: 'call', name, id: -3, op: 'clear' }, NAME)).toEqual(MALFORMED);
      expect(parseReplicaMessage({ tag: REPLICA_TAG, kind: 'hello', name, id: 3 }, NAME)).toEqual(MALFORMED);
    }
  });

  it('reads a hello as exactly the tag, kind and name, whatever else it carries', () => {
    expect(parseReplicaMessage(tagged({ kind: 'hello', id: 9, extra: 'x' }), NAME)).toStrictEqual({
      kind: 'valid',
      message: { tag: REPLICA_TAG, kind: 'hello', name: NAME },
    });
  });

  it('reads an ack of any safe non-negative integer version, and anything else as malformed without an id', () => {
    for (const version of [0, 1, Number.MAX_SAFE_INTEGER]) {
      expect(parseReplicaMessage(tagged({ kind: 'ack', version, id: 4 }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'ack', name: NAME, version },
      });
    }
    for (const version of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, '1', null, undefined]) {
      expect(parseReplicaMessage(tagged({ kind: 'ack', version, id: 4 }), NAME)).toStrictEqual(MALFORMED);
    }
  });

  it('reads an unknown kind as malformed without an id, even with a readable one', () => {
    for (const kind of ['state', 'reply', 'nonsense', undefined, 7]) {
      expect(parseReplicaMessage(tagged({ kind, id: 2, op: 'clear' }), NAME)).toStrictEqual(MALFORMED);
    }
  });

  it('reads a call with a safe non-negative integer id, from 0 up, and no other id', () => {
    for (const id of [0, 1, Number.MAX_SAFE_INTEGER]) {
      expect(parseReplicaMessage(tagged({ kind: 'call', id, op: 'clear' }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'call', name: NAME, id, op: 'clear' },
      });
    }
    for (const id of BAD_IDS) expect(parseReplicaMessage(tagged({ kind: 'call', id, op: 'clear' }), NAME)).toStrictEqual(MALFORMED);
  });

  it('reads each operation as itself; a build or a clear carries no token, a delete or a consume carries the one it names', () => {
    for (const op of ['buildAndStore', 'clear']) {
      expect(parseReplicaMessage(tagged({ kind: 'call', id: 1, op, extra: true }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'call', name: NAME, id: 1, op },
      });
    }
    for (const op of ['delete', 'consume']) {
      expect(parseReplicaMessage(tagged({ kind: 'call', id: 1, op, token: TOKEN }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'call', name: NAME, id: 1, op, token: TOKEN },
      });
    }
  });

  it('reads a call with an unknown or missing operation, or a token where none belongs or missing where one does, as malformed with its id', () => {
    const bad: Array<Record<string, unknown>> = [
      { op: 'dump' },
      { op: 'lookup', token: TOKEN },
      { op: undefined },
      { op: ['clear'] },
      { op: 'toString' },
      { op: 'buildAndStore', token: TOKEN },
      { op: 'clear', token: TOKEN },
      { op: 'clear', token: null },
      { op: 'delete' },
      { op: 'consume' },
      { op: 'delete', token: undefined },
    ];
    for (const fields of bad) expect(parseReplicaMessage(tagged({ kind: 'call', id: 11, ...fields }), NAME)).toStrictEqual({ kind: 'malformed', id: 11 });
  });

  it('reads a candidate token that is not the canonical 43 characters of base64url as malformed with its id', () => {
    const bad: unknown[] = [
      `${'A'.repeat(42)}B`, // a last character with stray bits
      'A'.repeat(42),
      'A'.repeat(44),
      `${TOKEN}A`,
      `A${TOKEN}`,
      `${TOKEN.slice(0, 42)}=`,
      `+${TOKEN.slice(1)}`,
      `${TOKEN}\n`,
      Buffer.alloc(32, 5).toString('hex'),
      [1, 2, 3],
      Array.from(Buffer.alloc(32, 5)),
      [TOKEN],
      { toString: () => TOKEN },
      42,
      null,
    ];
    for (const op of ['delete', 'consume']) {
      for (const token of bad) expect(parseReplicaMessage(tagged({ kind: 'call', id: 12, op, token }), NAME)).toStrictEqual({ kind: 'malformed', id: 12 });
    }
    for (const last of 'AEIMQUYcgkosw048') {
      const token = `${'_-'.repeat(21)}${last}`;
      expect(parseReplicaMessage(tagged({ kind: 'call', id: 12, op: 'delete', token }), NAME)).toMatchObject({ kind: 'valid', message: { token } });
    }
  });

  it('reads a message whose fields throw as malformed, and never throws itself', () => {
    expect(parseReplicaMessage(throwing({ tag: REPLICA_TAG, kind: 'hello' }, 'name'), NAME)).toStrictEqual(MALFORMED);
    expect(parseReplicaMessage(throwing(tagged({ kind: 'call', id: 5 }), 'op'), NAME)).toStrictEqual(MALFORMED);
    expect(parseReplicaMessage(throwing(tagged({ kind: 'call', id: 5, op: 'delete' }), 'token'), NAME)).toStrictEqual(MALFORMED);
    expect(parseReplicaMessage(throwing({ name: NAME, kind: 'hello' }, 'tag'), NAME)).toStrictEqual(MALFORMED);
  });
});

describe('parseOwnerMessage()', () => {
  const tagged = (fields: Record<string, unknown>) => ({ tag: REPLICA_TAG, name: NAME, ...fields });
  const verifier = { digest: DIGEST, insertedAtMs: 1_700_000_000_000, remainingMs: null };
  const state = (fields: Record<string, unknown>) => tagged({ kind: 'state', version: 1, verifier, ...fields });
  const reply = (fields: Record<string, unknown>) => tagged({ kind: 'reply', id: 3, ...fields });

  it.each([[null], [42], ['state'], [[REPLICA_TAG]], [{ kind: 'state', name: NAME, version: 1, verifier: null }]])('reads %p, untagged, as foreign', (raw) => {
    expect(parseOwnerMessage(raw, NAME)).toEqual(FOREIGN);
  });

  it('reads an array as foreign, and an array given as a verifier or a result as malformed, even with the fields of one', () => {
    expect(parseOwnerMessage(Object.assign([], state({})), NAME)).toEqual(FOREIGN);
    expect(parseOwnerMessage(state({ verifier: Object.assign([], verifier) }), NAME)).toStrictEqual(MALFORMED);
    expect(parseOwnerMessage(reply({ result: Object.assign([], { ok: true }) }), NAME)).toStrictEqual({ kind: 'malformed', id: 3 });
  });

  it('reads a state or a reply of another store as foreign, however it reads otherwise', () => {
    expect(parseOwnerMessage(state({ name: 'ops' }), NAME)).toEqual(FOREIGN);
    expect(parseOwnerMessage(state({ name: 'ops', version: -1 }), NAME)).toEqual(FOREIGN);
    expect(parseOwnerMessage(reply({ name: 'ops', error: 'ERR_NOT_RUNNING' }), NAME)).toEqual(FOREIGN);
    expect(parseOwnerMessage(reply({ name: 'ops', result: 'junk' }), NAME)).toEqual(FOREIGN);
  });

  it('reads a reply without a readable store name as malformed without its id: it may be another replica\'s', () => {
    for (const name of [undefined, '', 3]) {
      expect(parseOwnerMessage(reply({ name, error: 'ERR_NOT_RUNNING' }), NAME)).toStrictEqual(MALFORMED);
      expect(parseOwnerMessage(state({ name }), NAME)).toStrictEqual(MALFORMED);
    }
  });

  it('reads a state as exactly its tag, kind, name, version and verifier', () => {
    expect(parseOwnerMessage(state({ extra: 1 }), NAME)).toStrictEqual({
      kind: 'valid',
      message: { tag: REPLICA_TAG, kind: 'state', name: NAME, version: 1, verifier },
    });
    expect(parseOwnerMessage(state({ version: 0, verifier: null }), NAME)).toStrictEqual({
      kind: 'valid',
      message: { tag: REPLICA_TAG, kind: 'state', name: NAME, version: 0, verifier: null },
    });
    const expiring = { digest: DIGEST, insertedAtMs: -5, remainingMs: 0 };
    expect(parseOwnerMessage(state({ version: Number.MAX_SAFE_INTEGER, verifier: expiring }), NAME)).toStrictEqual({
      kind: 'valid',
      message: { tag: REPLICA_TAG, kind: 'state', name: NAME, version: Number.MAX_SAFE_INTEGER, verifier: expiring },
    });
  });

  it('reads a state with an unreadable version or verifier as malformed', () => {
    for (const version of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '1', undefined]) {
      expect(parseOwnerMessage(state({ version }), NAME)).toStrictEqual(MALFORMED);
    }
    const badVerifiers: unknown[] = [
      undefined,
      'digest',
      [DIGEST, 1, null],
      { ...verifier, digest: undefined },
      { ...verifier, digest: 42 },
      { ...verifier, digest: DIGEST.slice(0, 43) },
      { ...verifier, digest: `${DIGEST}=` },
      { ...verifier, digest: `A${DIGEST}` },
      { ...verifier, digest: `${DIGEST.slice(0, 42)}-=` },
      { ...verifier, digest: Buffer.alloc(32).toString('hex') },
      { ...verifier, digest: [DIGEST] },
      { ...verifier, digest: { toString: () => DIGEST } },
      { ...verifier, insertedAtMs: undefined },
      { ...verifier, insertedAtMs: '1700000000000' },
      { ...verifier, insertedAtMs: Number.NaN },
      { ...verifier, insertedAtMs: Number.POSITIVE_INFINITY },
      { ...verifier, remainingMs: undefined },
      { ...verifier, remainingMs: -1 },
      { ...verifier, remainingMs: '5' },
      { ...verifier, remainingMs: Number.NaN },
      { ...verifier, remainingMs: Number.POSITIVE_INFINITY },
      { digest: DIGEST, insertedAtMs: 1 },
    ];
    for (const bad of badVerifiers) expect(parseOwnerMessage(state({ verifier: bad }), NAME)).toStrictEqual(MALFORMED);
  });

  it('reads an error reply of any ERR_ code, with its id', () => {
    for (const error of ['ERR_NOT_RUNNING', 'ERR_SOMETHING_NEW']) {
      expect(parseOwnerMessage(reply({ error, result: 'ignored' }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'reply', name: NAME, id: 3, error },
      });
    }
  });

  it('reads each kind of result, with its id and nothing else', () => {
    const results: unknown[] = [
      { token: TOKEN, insertedAtMs: 1_700_000_000_000, version: 0 },
      { token: TOKEN, insertedAtMs: 0, version: 12 },
      { ok: true },
      { ok: true, insertedAtMs: 1_700_000_000_000 },
      { ok: false },
      { ok: false, insertedAtMs: 'x' },
    ];
    for (const result of results) {
      expect(parseOwnerMessage(reply({ id: 0, result, extra: 1 }), NAME)).toStrictEqual({
        kind: 'valid',
        message: { tag: REPLICA_TAG, kind: 'reply', name: NAME, id: 0, result },
      });
    }
  });

  it('reads a reply with an unreadable id, or of an unknown kind, as malformed without an id', () => {
    for (const id of BAD_IDS) expect(parseOwnerMessage(reply({ id, result: { ok: true } }), NAME)).toStrictEqual(MALFORMED);
    for (const kind of ['hello', 'ack', 'call', undefined]) expect(parseOwnerMessage(reply({ kind, result: { ok: true } }), NAME)).toStrictEqual(MALFORMED);
  });

  it('reads a reply with neither an ERR_ code nor a readable result as malformed with its id', () => {
    const bad: Array<Record<string, unknown>> = [
      {},
      { error: 'NOT_RUNNING' },
      { error: 'err_not_running' },
      { error: 42 },
      { result: null },
      { result: 'ok' },
      { result: [true] },
      { result: {} },
      { result: { ok: 'true' } },
      { result: { ok: true, insertedAtMs: Number.NaN } },
      { result: { ok: true, insertedAtMs: '1' } },
      { result: { ok: true, insertedAtMs: null } },
      { result: { token: `${'A'.repeat(42)}B`, insertedAtMs: 1, version: 0 } },
      { result: { token: `${TOKEN}A`, insertedAtMs: 1, version: 0 } },
      { result: { token: TOKEN, insertedAtMs: Number.NaN, version: 0 } },
      { result: { token: TOKEN, insertedAtMs: '1', version: 0 } },
      { result: { token: TOKEN, version: 0 } },
      { result: { token: TOKEN, insertedAtMs: 1, version: -1 } },
      { result: { token: TOKEN, insertedAtMs: 1 } },
      { result: { token: TOKEN, insertedAtMs: 1, version: 0.5 } },
      { result: { token: `${'A'.repeat(42)}B`, ok: true } },
    ];
    for (const fields of bad) expect(parseOwnerMessage(reply(fields), NAME)).toStrictEqual({ kind: 'malformed', id: 3 });
  });

  it('reads a message whose fields throw as malformed, and never throws itself', () => {
    expect(parseOwnerMessage(throwing(state({}), 'verifier'), NAME)).toStrictEqual(MALFORMED);
    expect(parseOwnerMessage(throwing(reply({}), 'result'), NAME)).toStrictEqual(MALFORMED);
    expect(parseOwnerMessage(throwing({ tag: REPLICA_TAG, kind: 'state' }, 'name'), NAME)).toStrictEqual(MALFORMED);
    expect(parseOwnerMessage(state({ verifier: throwing(verifier, 'digest') }), NAME)).toStrictEqual(MALFORMED);
  });
});
