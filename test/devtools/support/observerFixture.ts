import type { TokenStoreHandle } from '../../../src';

/**
 * For each test of the file that calls it: `process.emitWarning` replaced by a spy that
 * prints nothing, so the test can read what an inspect observer made the library warn,
 * and the store the test puts in `store` stopped after it.
 */
export function spiedWarningsAndStore(): { store: TokenStoreHandle | undefined; warnings: jest.SpyInstance } {
  const fixture = { store: undefined as TokenStoreHandle | undefined, warnings: undefined as unknown as jest.SpyInstance };
  beforeEach(() => {
    fixture.warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    fixture.warnings.mockRestore();
    await fixture.store?.stop();
    fixture.store = undefined;
  });
  return fixture;
}
