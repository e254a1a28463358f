import { decodeToken, encodeToken, MalformedTokenError, tryDecodeToken } from '../../src';

const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));

describe('encodeToken()', () => {
  it('writes 43 characters of unpadded base64url', () => {
    const text = encodeToken(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(text).toBe(bytes.toString('base64url'));
  });

  it('encodes a view at an offset by its own bytes only', () => {
    const larger = Buffer.alloc(40, 0xff);
    bytes.copy(larger, 5);
    expect(encodeToken(larger.subarray(5, 37))).toBe(encodeToken(bytes));
  });

  it('throws a TypeError for anything but 32 bytes', () => {
    expect(() => encodeToken(Buffer.alloc(31))).toThrow(TypeError);
    expect(() => encodeToken('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('decodeToken()', () => {
  it('reads back what encodeToken wrote', () => {
    expect(decodeToken(encodeToken(bytes))).toEqual(bytes);
  });

  it.each([
    ['an empty string', ''],
    ['42 characters', 'A'.repeat(42)],
    ['44 characters', 'A'.repeat(44)],
    ['padding', `${'A'.repeat(42)}=`],
    ['standard base64 characters', `${'+'.repeat(42)}A`],
    ['a space inside', `${'A'.repeat(20)} ${'A'.repeat(22)}`],
    ['non-zero trailing bits (a second spelling of one token)', `${'A'.repeat(42)}B`],
    ['non-ASCII look-alikes', `${'A'.repeat(42)}Ａ`],
  ])('fails with ERR_TOKEN_MALFORMED for %s', (_label, text) => {
    let failure: unknown;
    try {
      decodeToken(text);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(MalformedTokenError);
    expect(failure).toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
  });

  it('fails for a value that is not a string', () => {
    expect(() => decodeToken(42 as unknown as string)).toThrow(MalformedTokenError);
  });

  it('never repeats the text it was given in its message', () => {
    const secretish = `${encodeToken(bytes).slice(0, 42)}!`;
    try {
      decodeToken(secretish);
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as Error).message).not.toContain(secretish.slice(0, 10));
    }
  });
});

describe('decodeToken() memory', () => {
  it("answers a Buffer with memory of its own, outside Node's shared pool", () => {
    const decoded = decodeToken(encodeToken(bytes));
    expect(decoded.byteOffset).toBe(0);
    expect(decoded.buffer.byteLength).toBe(32);
  });
});

describe('tryDecodeToken()', () => {
  it('reads back what encodeToken wrote', () => {
    expect(tryDecodeToken(encodeToken(bytes))).toEqual(bytes);
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'A'.repeat(42),
    // 43 valid characters with one more before or after: the pattern must hold the whole text.
    'A'.repeat(44),
    `${'A'.repeat(42)}B`,
    `${'A'.repeat(42)}=`,
    { toString: () => 'A'.repeat(43) },
  ])(
    'answers undefined, without throwing, for %p',
    (text) => {
      expect(tryDecodeToken(text)).toBeUndefined();
    },
  );
});

describe('the messages of token text errors', () => {
  /** The message `run` throws with. */
  function messageOf(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a failure');
  }

  it('says what was wrong, never what was given', () => {
    expect(messageOf(() => encodeToken(Buffer.alloc(31)))).toBe('encodeToken: token must be a 32-byte Uint8Array');
    expect(messageOf(() => decodeToken(42 as unknown as string))).toBe('malformed token: expected a string');
    expect(messageOf(() => decodeToken(null as unknown as string))).toBe('malformed token: expected a string');
    expect(messageOf(() => decodeToken('A'.repeat(44)))).toBe('malformed token: expected 43 characters of base64url');
    expect(messageOf(() => decodeToken(`${'A'.repeat(42)}=`))).toBe('malformed token: expected only base64url characters, unpadded');
  });
});

describe("decodeToken() and Node's decoder", () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** Watches the Buffers Node's decoder answers for base64url text; `replace` may change what it answers. */
  function watchDecoder(replace: (decoded: Buffer) => Buffer = (decoded) => decoded): Buffer[] {
    const decoded: Buffer[] = [];
    const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer;
    jest.spyOn(Buffer, 'from').mockImplementation(((...args: unknown[]) => {
      const result = from(...args);
      if (args[1] !== 'base64url') return result;
      const answered = replace(result);
      decoded.push(answered);
      return answered;
    }) as typeof Buffer.from);
    return decoded;
  }

  it("zero-fills the decoder's copy of the token once it has its own", () => {
    const decoded = watchDecoder();
    const token = decodeToken(encodeToken(bytes));
    expect(token.equals(bytes)).toBe(true);
    expect(decoded).toHaveLength(1);
    expect(decoded[0]!.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses, and zero-fills, a decoding that is not 32 bytes long, should the decoder ever answer one', () => {
    const decoded = watchDecoder((full) => full.subarray(0, 31));
    let failure: unknown;
    try {
      decodeToken(encodeToken(bytes));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(MalformedTokenError);
    expect(failure).toMatchObject({ code: 'ERR_TOKEN_MALFORMED', message: 'malformed token: expected 32 bytes' });
    expect(decoded).toHaveLength(1);
    expect(decoded[0]!.every((byte) => byte === 0)).toBe(true);
  });
});
