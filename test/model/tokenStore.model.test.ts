import fc from 'fast-check';
import { RealStore, storeCommands } from './commands';
import { emptyModel } from './referenceModel';

/*
 * Model-based test: random sequences of build, lookup (current, retired, random,
 * malformed), delete (current, retired), clear, crash, restart and clock steps
 * run against a real store, and every answer is checked against the reference
 * model of "the one active token".
 *
 * When it fails, fast-check prints the seed, the path and the shrunk command
 * sequence. To keep that case as a regression test, either pin it:
 *   fc.assert(property, { seed: <seed>, path: '<path>', endOnFailure: true })
 * in a new `it` named after the behaviour it broke, or, more readable, replay the
 * printed commands by hand with `startLink` in `test/core/`, with a comment
 * linking back to the failing sequence.
 */

let runs = 0;
const property = fc.asyncProperty(fc.commands(storeCommands, { maxCommands: 40 }), async (commands) => {
  runs += 1;
  const real = new RealStore(`model.${runs}`);
  try {
    await fc.asyncModelRun(() => ({ model: emptyModel(), real }), commands);
  } finally {
    await real.store.stop();
  }
});

describe('a token store driven by random command sequences', () => {
  it('answers every build, lookup, delete, clear, crash and restart as the one-active-token model does', async () => {
    await fc.assert(property, { numRuns: 1_000 });
  });
});
