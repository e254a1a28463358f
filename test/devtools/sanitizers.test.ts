import type { AnyEventObject, MachineContext } from 'xstate';
import { REDACTED, SecretToken, UNREADABLE, breakGlassSanitizers, sanitizeContext, sanitizeEvent } from '../../src';

describe('sanitizeContext()', () => {
  it('answers the redacted copy of an object context', () => {
    const context = { count: 1, password: 'p', bytes: new Uint8Array(4), list: ['a'] };
    expect(sanitizeContext(context)).toStrictEqual({ count: 1, password: REDACTED, bytes: `${REDACTED} 4 bytes`, list: ['a'] });
    const bare = Object.assign(Object.create(null) as MachineContext, { a: 1 });
    expect(sanitizeContext(bare)).toStrictEqual({ a: 1 });
  });

  it('wraps a context that is not a plain object as { value }', () => {
    const asContext = (value: unknown) => value as MachineContext;
    expect(sanitizeContext(asContext(null))).toStrictEqual({ value: null });
    expect(sanitizeContext(asContext(undefined))).toStrictEqual({ value: undefined });
    expect(sanitizeContext(asContext('text'))).toStrictEqual({ value: 'text' });
    expect(sanitizeContext(asContext(7))).toStrictEqual({ value: 7 });
    expect(sanitizeContext(asContext([1, { token: 'x' }]))).toStrictEqual({ value: [1, { token: REDACTED }] });
    expect(sanitizeContext(asContext(SecretToken.wrap(Buffer.alloc(32, 1))))).toStrictEqual({ value: REDACTED });
    expect(sanitizeContext(asContext(new Map()))).toStrictEqual({ value: '[Map]' });
  });
});

describe('sanitizeEvent()', () => {
  it('answers the redacted copy of an event with a text type', () => {
    const event = { type: 'DELETE', token: SecretToken.wrap(Buffer.alloc(32, 2)), requestId: 'r1', extra: [1n] };
    expect(sanitizeEvent(event)).toStrictEqual({ type: 'DELETE', token: REDACTED, requestId: 'r1', extra: ['1n'] });
  });

  it('answers { type: [unreadable] } for anything without a readable text type', () => {
    const asEvent = (value: unknown) => value as AnyEventObject;
    const unreadableType = Object.defineProperty({ token: 'x' }, 'type', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    for (const event of [
      null,
      undefined,
      'DELETE',
      5,
      ['DELETE'],
      Object.assign(['DELETE'], { type: 'DELETE' }),
      {},
      { note: 'no type' },
      { type: 5, note: 'kept only if the type were text' },
      { type: null },
      new Map([['type', 'DELETE']]),
    ]) {
      expect(sanitizeEvent(asEvent(event))).toStrictEqual({ type: UNREADABLE });
    }
    // A type that throws when read is shown as unreadable, beside the rest of the event.
    expect(sanitizeEvent(unreadableType as unknown as AnyEventObject)).toStrictEqual({ type: UNREADABLE, token: REDACTED });
  });
});

describe('breakGlassSanitizers', () => {
  it('holds the two sanitizers, frozen', () => {
    expect(breakGlassSanitizers.sanitizeContext).toBe(sanitizeContext);
    expect(breakGlassSanitizers.sanitizeEvent).toBe(sanitizeEvent);
    expect(Object.isFrozen(breakGlassSanitizers)).toBe(true);
  });
});
