import { createActor, setup } from 'xstate';
import { REDACTED, SecretToken, UNREADABLE, redactValue } from '../../src';
import { SealedToken, wipeSealed } from '../../src/lib/sealedToken';

/** `leaf` wrapped in `levels` objects, each under the key `a`. */
function nested(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}

/** An object with `count` keys k0, k1, ..., each holding its index. */
function withKeys(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** A Proxy whose every trap throws, the most hostile value a sender can put in an event. */
function hostileProxy(): object {
  const trap = () => {
    throw new Error('trap');
  };
  return new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap });
}

describe('redactValue() on primitives', () => {
  it('keeps strings, finite numbers, booleans, undefined and null as they are', () => {
    expect(redactValue('text')).toBe('text');
    expect(redactValue('')).toBe('');
    expect(redactValue(0)).toBe(0);
    expect(redactValue(-1.5)).toBe(-1.5);
    expect(redactValue(true)).toBe(true);
    expect(redactValue(false)).toBe(false);
    expect(redactValue(undefined)).toBeUndefined();
    expect(redactValue(null)).toBeNull();
  });

  it('writes numbers JSON cannot hold as text', () => {
    expect(redactValue(Number.NaN)).toBe('NaN');
    expect(redactValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(redactValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('writes a bigint as its digits and n, a symbol as its description, a function as a marker', () => {
    expect(redactValue(10n)).toBe('10n');
    expect(redactValue(-12345678901234567890n)).toBe('-12345678901234567890n');
    expect(redactValue(Symbol('label'))).toBe('Symbol(label)');
    expect(redactValue(Symbol())).toBe('Symbol()');
    expect(redactValue(() => 1)).toBe('[function]');
    expect(redactValue(class Named {})).toBe('[function]');
  });

  it('answers [unreadable] for a symbol that cannot be turned into text, without throwing', () => {
    const original = Object.getOwnPropertyDescriptor(Symbol.prototype, 'toString')!;
    Object.defineProperty(Symbol.prototype, 'toString', {
      ...original,
      value() {
        throw new Error('patched');
      },
    });
    try {
      expect(redactValue(Symbol('label'))).toBe(UNREADABLE);
    } finally {
      Object.defineProperty(Symbol.prototype, 'toString', original);
    }
    expect(redactValue(Symbol('label'))).toBe('Symbol(label)');
  });

  it('keeps strings of up to 1000 characters and cuts longer ones, saying how long they were', () => {
    const exactly = 'a'.repeat(1000);
    expect(redactValue(exactly)).toBe(exactly);
    expect(redactValue('a'.repeat(999))).toBe('a'.repeat(999));
    expect(redactValue(`${'a'.repeat(1000)}b`)).toBe(`${'a'.repeat(1000)}… [1001 characters]`);
    expect(redactValue('x'.repeat(100_000))).toBe(`${'x'.repeat(1000)}… [100000 characters]`);
    // The same cap inside a structure.
    expect(redactValue({ text: 'y'.repeat(1500) })).toStrictEqual({ text: `${'y'.repeat(1000)}… [1500 characters]` });
  });
});

describe('redactValue() on plain structures', () => {
  it('copies plain objects and arrays entry by entry', () => {
    const value = { type: 'EVENT', count: 2, list: [1, 'two', null, false, { deep: [] }], empty: {}, nothing: undefined };
    const copy = redactValue(value);
    expect(copy).toStrictEqual(value);
    expect(copy).not.toBe(value);
    expect((copy as { list: unknown }).list).not.toBe(value.list);
  });

  it('copies an object without a prototype as a plain object', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: 'two' });
    expect(redactValue(bare)).toStrictEqual({ a: 1, b: 'two' });
    expect(Object.getPrototypeOf(redactValue(bare))).toBe(Object.prototype);
  });

  it('hands back a copy the caller may change and delete from', () => {
    const copy = redactValue({ a: 1, b: 2 }) as Record<string, unknown>;
    // Test files are strict mode: assigning to a read-only or deleting a fixed property would throw.
    copy.a = 'changed';
    delete copy.b;
    expect(copy).toStrictEqual({ a: 'changed' });
    const withMore = redactValue(withKeys(101)) as Record<string, unknown>;
    withMore.k0 = 'changed';
    delete withMore.k1;
    expect(withMore.k0).toBe('changed');
    expect('k1' in withMore).toBe(false);
  });

  it('keeps a key named __proto__ as an own entry, never as the copy\'s prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "type": "X"}') as object;
    const copy = redactValue(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'type']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')!.value).toStrictEqual({ polluted: true });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('keeps the first 100 entries of an array and says how many more there were', () => {
    expect(redactValue([])).toStrictEqual([]);
    expect(redactValue(range(50))).toStrictEqual(range(50));
    expect(redactValue(range(99))).toStrictEqual(range(99));
    expect(redactValue(range(100))).toStrictEqual(range(100));
    expect(redactValue(range(101))).toStrictEqual([...range(100), '[1 more]']);
    expect(redactValue(range(250))).toStrictEqual([...range(100), '[150 more]']);
    expect(redactValue(new Array(3))).toStrictEqual([undefined, undefined, undefined]);
  });

  it('keeps the first 100 keys of an object and says how many more there were', () => {
    expect(redactValue(withKeys(99))).toStrictEqual(withKeys(99));
    expect(redactValue(withKeys(100))).toStrictEqual(withKeys(100));
    expect(redactValue(withKeys(101))).toStrictEqual({ ...withKeys(100), '[more]': '1 more keys' });
    expect(redactValue(withKeys(250))).toStrictEqual({ ...withKeys(100), '[more]': '150 more keys' });
  });

  it('copies eight levels of nesting and puts a marker for an object any deeper', () => {
    expect(redactValue(nested(7, {}))).toStrictEqual(nested(7, {}));
    expect(redactValue(nested(7, { b: 1 }))).toStrictEqual(nested(7, { b: 1 }));
    expect(redactValue(nested(8, {}))).toStrictEqual(nested(8, '[too deep]'));
    expect(redactValue(nested(8, [1]))).toStrictEqual(nested(8, '[too deep]'));
    expect(redactValue(nested(12, 'leaf'))).toStrictEqual(nested(8, '[too deep]'));
    // A value that is not an object is kept at any depth the copy reaches.
    expect(redactValue(nested(8, 'leaf'))).toStrictEqual(nested(8, 'leaf'));
    let arrays: unknown = [];
    for (let level = 0; level < 8; level += 1) arrays = [arrays];
    let expected: unknown = '[too deep]';
    for (let level = 0; level < 8; level += 1) expected = [expected];
    expect(redactValue(arrays)).toStrictEqual(expected);
  });

  it('puts a marker for a cycle, but copies an object that is only reached twice', () => {
    const cyclic: Record<string, unknown> = { type: 'X' };
    cyclic.self = cyclic;
    cyclic.inner = { back: cyclic };
    expect(redactValue(cyclic)).toStrictEqual({ type: 'X', self: '[cycle]', inner: { back: '[cycle]' } });
    const list: unknown[] = [1];
    list.push(list);
    expect(redactValue(list)).toStrictEqual([1, '[cycle]']);
    const shared = { n: 1 };
    expect(redactValue({ first: shared, second: shared, both: [shared, shared] })).toStrictEqual({
      first: { n: 1 },
      second: { n: 1 },
      both: [{ n: 1 }, { n: 1 }],
    });
  });
});

describe('redactValue() on secrets', () => {
  it('withholds the value under every secret-sounding key, in any case, without reading it', () => {
    let reads = 0;
    const value = {
      type: 'LOGIN',
      token: 'abc',
      accessToken: { nested: 'x' },
      SECRET: 1,
      clientSecret: [1, 2],
      password: 'p',
      passphrase: 'p',
      Authorization: 'Bearer abc',
      cookie: 'c',
      setCookie: 'c',
      credentials: 'c',
      privateKey: 'k',
      private_key: 'k',
      'private key': 'k',
      privatekey: 'k',
      get apiToken() {
        reads += 1;
        return 'abc';
      },
      user: 'alice',
      key: 'not secret',
      privateNote: 'kept',
    };
    expect(redactValue(value)).toStrictEqual({
      type: 'LOGIN',
      token: REDACTED,
      accessToken: REDACTED,
      SECRET: REDACTED,
      clientSecret: REDACTED,
      password: REDACTED,
      passphrase: REDACTED,
      Authorization: REDACTED,
      cookie: REDACTED,
      setCookie: REDACTED,
      credentials: REDACTED,
      privateKey: REDACTED,
      private_key: REDACTED,
      'private key': REDACTED,
      privatekey: REDACTED,
      apiToken: REDACTED,
      user: 'alice',
      key: 'not secret',
      privateNote: 'kept',
    });
    expect(reads).toBe(0);
  });

  it('shows a SecretToken as the marker, wherever it is', () => {
    const token = SecretToken.wrap(Buffer.alloc(32, 7));
    expect(redactValue(token)).toBe(REDACTED);
    expect(redactValue({ candidate: token, list: [token] })).toStrictEqual({ candidate: REDACTED, list: [REDACTED] });
  });

  it('shows a SealedToken as the marker and its fingerprint, also once it is wiped', () => {
    const sealed = SealedToken.seal(Buffer.alloc(32, 9));
    const fingerprint = sealed.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(redactValue(sealed)).toBe(`${REDACTED} ${fingerprint}`);
    expect(redactValue({ record: { sealed } })).toStrictEqual({ record: { sealed: `${REDACTED} ${fingerprint}` } });
    wipeSealed(sealed);
    expect(redactValue(sealed)).toBe(`${REDACTED} ${fingerprint}`);
  });

  it('withholds bytes in every binary form, saying only how many there were', () => {
    const buffer = new ArrayBuffer(16);
    expect(
      redactValue({
        buffer: Buffer.alloc(32, 1),
        bytes: new Uint8Array(32),
        part: new Uint8Array(buffer, 4, 8),
        words: new Float64Array(3),
        view: new DataView(buffer),
        raw: buffer,
        shared: new SharedArrayBuffer(5),
        empty: new Uint8Array(0),
      }),
    ).toStrictEqual({
      buffer: `${REDACTED} 32 bytes`,
      bytes: `${REDACTED} 32 bytes`,
      part: `${REDACTED} 8 bytes`,
      words: `${REDACTED} 24 bytes`,
      view: `${REDACTED} 16 bytes`,
      raw: `${REDACTED} 16 bytes`,
      shared: `${REDACTED} 5 bytes`,
      empty: `${REDACTED} 0 bytes`,
    });
  });
});

describe('redactValue() on dates, actors and class instances', () => {
  it('writes a Date as its ISO time, and an invalid one as Invalid Date', () => {
    expect(redactValue(new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 678)))).toBe('2024-02-29T12:30:45.678Z');
    expect(redactValue({ at: new Date(0) })).toStrictEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(redactValue(new Date(Number.NaN))).toBe('Invalid Date');
    expect(redactValue({ at: new Date('not a date') })).toStrictEqual({ at: 'Invalid Date' });
  });

  it('shows an actor ref as its id, never its snapshot', () => {
    const machine = setup({}).createMachine({ id: 'redact-actor', context: { password: 'hidden', note: 'private' } });
    const actor = createActor(machine, { id: 'child-7' });
    actor.start();
    try {
      expect(actor.id).toBe('child-7');
      expect(redactValue(actor)).toStrictEqual({ actor: 'child-7' });
      expect(redactValue({ replyTo: actor, list: [actor] })).toStrictEqual({
        replyTo: { actor: 'child-7' },
        list: [{ actor: 'child-7' }],
      });
    } finally {
      actor.stop();
    }
  });

  it('takes anything with a string sessionId, a send and a getSnapshot for an actor ref, and nothing less', () => {
    const send = () => undefined;
    const getSnapshot = () => ({ context: { note: 'private' } });
    expect(redactValue({ id: 7, sessionId: 'x:1', send, getSnapshot, note: 'private' })).toStrictEqual({ actor: '7' });
    expect(redactValue({ id: 'a', sessionId: 'x:1', getSnapshot })).toStrictEqual({ id: 'a', sessionId: 'x:1', getSnapshot: '[function]' });
    expect(redactValue({ id: 'b', sessionId: 'x:1', send })).toStrictEqual({ id: 'b', sessionId: 'x:1', send: '[function]' });
    expect(redactValue({ id: 'c', sessionId: 1, send, getSnapshot })).toStrictEqual({
      id: 'c',
      sessionId: 1,
      send: '[function]',
      getSnapshot: '[function]',
    });
    expect(redactValue({ id: 'd', send, getSnapshot })).toStrictEqual({ id: 'd', send: '[function]', getSnapshot: '[function]' });
    expect(redactValue({ id: 'e', sessionId: 'x:1', send: 'no', getSnapshot })).toStrictEqual({
      id: 'e',
      sessionId: 'x:1',
      send: 'no',
      getSnapshot: '[function]',
    });
    expect(redactValue({ id: 'f', sessionId: 'x:1', send, getSnapshot: {} })).toStrictEqual({
      id: 'f',
      sessionId: 'x:1',
      send: '[function]',
      getSnapshot: {},
    });
    expect(redactValue({ id: 'g', getSnapshot })).toStrictEqual({ id: 'g', getSnapshot: '[function]' });
  });

  it('renders a class instance through a toJSON that gives text, capped like any string', () => {
    class Labelled {
      constructor(private readonly label: string) {}
      toJSON(): string {
        return `label:${this.label}`;
      }
    }
    expect(redactValue(new Labelled('a'))).toBe('label:a');
    expect(redactValue({ item: new Labelled('b') })).toStrictEqual({ item: 'label:b' });
    expect(redactValue(new Labelled('z'.repeat(1200)))).toBe(`label:${'z'.repeat(994)}… [1206 characters]`);
  });

  it('withholds any other class instance, naming only its class', () => {
    class WithFields {
      readonly password = 'hidden';
      readonly note = 'private';
    }
    class WithObjectJson {
      readonly note = 'private';
      toJSON() {
        return { note: this.note };
      }
    }
    class WithJsonField {
      readonly toJSON = 'not a function';
    }
    expect(redactValue(new WithFields())).toBe('[WithFields]');
    expect(redactValue(new WithObjectJson())).toBe('[WithObjectJson]');
    expect(redactValue(new WithJsonField())).toBe('[WithJsonField]');
    expect(redactValue(new Map([['note', 'private']]))).toBe('[Map]');
    expect(redactValue(new Set(['private']))).toBe('[Set]');
    expect(redactValue(new Error('private'))).toBe('[Error]');
    expect(redactValue(/private/)).toBe('[RegExp]');
    expect(redactValue({ map: new Map(), when: new WithFields() })).toStrictEqual({ map: '[Map]', when: '[WithFields]' });
  });

  it('names an instance [object] when its class has no usable name', () => {
    const Anonymous = [class {}][0]!;
    expect(Anonymous.name).toBe('');
    expect(redactValue(new Anonymous())).toBe('[object]');
    // A prototype chain with no constructor at all.
    expect(redactValue(Object.create(Object.create(null)))).toBe('[object]');
    expect(redactValue(Object.create({ constructor: { name: 42 } }))).toBe('[object]');
    expect(redactValue(Object.create({ constructor: { name: 'Given' } }))).toBe('[Given]');
  });
});

describe('redactValue() on values that cannot be read', () => {
  it('answers [unreadable] for a throwing getter, and keeps the rest', () => {
    const value = Object.defineProperty({ type: 'Y', after: 1 }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(UNREADABLE).toBe('[unreadable]');
    expect(redactValue(value)).toStrictEqual({ type: 'Y', after: 1, bad: '[unreadable]' });
    const list = [1, 2];
    Object.defineProperty(list, 1, {
      get() {
        throw new Error('boom');
      },
    });
    expect(redactValue(list)).toStrictEqual([1, UNREADABLE]);
  });

  it('answers [unreadable] for a Proxy whose every trap throws, alone or inside a structure', () => {
    expect(redactValue(hostileProxy())).toBe(UNREADABLE);
    expect(redactValue({ type: 'X', payload: hostileProxy(), list: [hostileProxy()] })).toStrictEqual({
      type: 'X',
      payload: UNREADABLE,
      list: [UNREADABLE],
    });
  });

  it('answers [unreadable] for a class instance whose toJSON throws', () => {
    class Throwing {
      toJSON(): string {
        throw new Error('boom');
      }
    }
    expect(redactValue(new Throwing())).toBe(UNREADABLE);
    expect(redactValue({ item: new Throwing(), after: 'kept' })).toStrictEqual({ item: UNREADABLE, after: 'kept' });
  });
});
