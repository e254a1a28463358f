import { SecretToken } from '../../src';
import { secretTokenBytes, wipeSecretToken } from '../../src/lib/secretToken';

const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));

/** The error `run` throws, or undefined. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SecretToken.wrap()', () => {
  it.each([
    ['31 bytes', Buffer.alloc(31, 1)],
    ['33 bytes', Buffer.alloc(33, 1)],
    ['a 32-element Uint16Array', new Uint16Array(32)],
    ['a DataView over 32 bytes', new DataView(new ArrayBuffer(32))],
    ['an array of 32 numbers', new Array(32).fill(1)],
    ['a string of 32 characters', 'A'.repeat(32)],
    ['null', null],
  ])('refuses %s with a TypeError', (_label, value) => {
    const failure = thrownBy(() => SecretToken.wrap(value as Uint8Array));
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe('SecretToken.wrap: bytes must be a 32-byte Uint8Array');
  });

  it('wraps a copy: changing the caller’s bytes afterwards changes nothing', () => {
    const source = Buffer.from(bytes);
    const token = SecretToken.wrap(source);
    source.fill(0);
    expect(token.unwrap().equals(bytes)).toBe(true);
  });

  it('accepts a 32-byte view into a larger buffer, and keeps only its bytes', () => {
    const larger = Buffer.alloc(48, 0xff);
    bytes.copy(larger, 8);
    expect(SecretToken.wrap(larger.subarray(8, 40)).unwrap().equals(bytes)).toBe(true);
  });
});

describe('SecretToken#unwrap()', () => {
  it('gives a fresh Buffer of its own each time, outside Node’s shared pool', () => {
    const token = SecretToken.wrap(bytes);
    const first = token.unwrap();
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(first.equals(bytes)).toBe(true);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(32);
    first.fill(0);
    const second = token.unwrap();
    expect(second).not.toBe(first);
    expect(second.equals(bytes)).toBe(true);
  });

  it('throws a TypeError once the library has wiped the wrapper', () => {
    const token = SecretToken.wrap(bytes);
    wipeSecretToken(token);
    const failure = thrownBy(() => token.unwrap());
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe('SecretToken.unwrap: this token was wiped after use');
  });
});

describe('wipeSecretToken()', () => {
  it('zero-fills the wrapped bytes, and a second wipe is harmless', () => {
    const token = SecretToken.wrap(bytes);
    const wrapped = secretTokenBytes(token)!;
    expect(Buffer.from(wrapped).equals(bytes)).toBe(true);
    wipeSecretToken(token);
    expect(wrapped.every((byte) => byte === 0)).toBe(true);
    expect(secretTokenBytes(token)).toBeUndefined();
    expect(() => wipeSecretToken(token)).not.toThrow();
    expect(secretTokenBytes(token)).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'token'],
    ['a number', 32],
    ['a plain object', { bytes }],
    ['an object made from the prototype', Object.create(SecretToken.prototype)],
  ])('leaves %s alone, without throwing', (_label, value) => {
    expect(() => wipeSecretToken(value as SecretToken)).not.toThrow();
  });
});

describe('secretTokenBytes()', () => {
  it('answers the wrapped bytes of a live token', () => {
    const bytesOfToken = secretTokenBytes(SecretToken.wrap(bytes));
    expect(bytesOfToken).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytesOfToken!).equals(bytes)).toBe(true);
  });

  // Built inside each test, so that a broken `wrap` fails the test rather than the file.
  it.each([
    ['null', () => null],
    ['undefined', () => undefined],
    ['a string', () => 'token'],
    ['the raw bytes', () => bytes],
    ['a plain object with a bytes field', () => ({ bytes })],
    ['an object made from the prototype', () => Object.create(SecretToken.prototype) as unknown],
    ['a Proxy of a live token', () => new Proxy(SecretToken.wrap(bytes), {})],
  ])('answers undefined, without throwing, for %s', (_label, valueFor) => {
    const value: unknown = valueFor();
    expect(secretTokenBytes(value)).toBeUndefined();
  });
});
