import { inspect } from 'node:util';
import { REDACTED, SecretToken } from '../../src';
import { SealedToken } from '../../src/lib/sealedToken';

describe('the renderings of a token wrapper', () => {
  it.each([
    ['SecretToken', () => SecretToken.wrap(Buffer.alloc(32, 9))],
    ['SealedToken', () => SealedToken.seal(Buffer.alloc(32, 9))],
  ])('%s renders as its class name and the marker in every conversion to text', (label, make) => {
    const token = make();
    const marker = `${label} ${REDACTED}`;
    expect(JSON.stringify({ token })).toBe(`{"token":"${REDACTED}"}`);
    expect(token.toString()).toBe(marker);
    expect(String(token)).toBe(marker);
    expect(`${token}`).toBe(marker);
    expect(inspect(token)).toBe(marker);
    expect(inspect({ token }, { depth: 5 })).toBe(`{ token: ${marker} }`);
  });
});
