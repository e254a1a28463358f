import { DEFAULT_NAME, TokenStore, whereis, type TokenStoreHandle } from '../../src';
import { register, unregister } from '../../src/registry';
import { startStore, stopAllStores } from '../support/stores';

/** Stand-ins for handles: the registry only keeps and compares them. */
const first = { id: 1 } as unknown as TokenStoreHandle;
const second = { id: 2 } as unknown as TokenStoreHandle;

afterEach(async () => {
  unregister('registry-test', first);
  unregister('registry-test', second);
  await stopAllStores();
});

describe('the name registry', () => {
  it("is keyed by 'BreakGlass.TokenStore' when no name is given", () => {
    expect(DEFAULT_NAME).toBe('BreakGlass.TokenStore');
    const store = startStore();
    expect(whereis()).toBe(store);
    expect(whereis(DEFAULT_NAME)).toBe(store);
    expect(whereis('BreakGlass.TokenStore')).toBe(store);
  });

  it('gives a name to the first handle that asks and answers later ones with that holder', () => {
    expect(whereis('registry-test')).toBeUndefined();
    expect(register('registry-test', first)).toBeUndefined();
    expect(register('registry-test', second)).toBe(first);
    expect(register('registry-test', first)).toBe(first);
    expect(whereis('registry-test')).toBe(first);
  });

  it('frees a name only for the handle that holds it', () => {
    register('registry-test', first);
    unregister('registry-test', second);
    expect(whereis('registry-test')).toBe(first);
    unregister('registry-test', first);
    expect(whereis('registry-test')).toBeUndefined();
    expect(register('registry-test', second)).toBeUndefined();
    expect(whereis('registry-test')).toBe(second);
  });

  it('keeps names apart, exactly as spelled', () => {
    register('registry-test', first);
    expect(whereis('Registry-Test')).toBeUndefined();
    expect(whereis('registry-test ')).toBeUndefined();
    expect(whereis(DEFAULT_NAME)).toBeUndefined();
    expect(TokenStore.whereis('registry-test')).toBe(first);
  });
});
