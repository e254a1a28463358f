import * as bytesModule from '../../src/lib/bytes';

/** Keeps every private copy the library makes of token bytes in `copies`, as it makes them; jest.restoreAllMocks ends it. */
export function recordHeapCopies(copies: Uint8Array[] = []): Uint8Array[] {
  const heapCopy = bytesModule.heapCopy;
  jest.spyOn(bytesModule, 'heapCopy').mockImplementation((source: Uint8Array) => {
    const copy = heapCopy(source);
    copies.push(copy);
    return copy;
  });
  return copies;
}
