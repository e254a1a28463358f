'use strict';
// Chooses the test files for one mutant. Stryker tells jest which tests cover the
// mutant (testNamePattern) but jest would still load every other test file, start its
// fixtures and skip its tests one by one; that load is most of a mutant's cost here.
// So only files that hold a covering test run, those likeliest to fail soonest first,
// which pairs with the bail (see bail.cjs).
const Sequencer = require('@jest/test-sequencer').default;
const { activeMutant, readIndex } = require('./testIndex.cjs');
const { costPerKill, resetBail } = require('./bail.cjs');

class CoveringTestsFirst extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  sort(tests) {
    resetBail();
    const index = readIndex();
    if (activeMutant() === undefined || index === undefined) return super.sort(tests);
    // A static mutant (one that runs while modules load) comes without a pattern: every
    // file runs, still likeliest-to-fail first.
    const covering = this.pattern ? new RegExp(this.pattern, 'i') : undefined;
    const chosen = covering === undefined ? tests : tests.filter((test) => index.get(test.path)?.names.some((name) => covering.test(name)));
    // A pattern that matches no recorded test means the index is not what this run
    // expects: run everything rather than report a mutant untested.
    if (chosen.length === 0) return super.sort(tests);
    const cost = new Map(chosen.map((test) => [test, costPerKill(test.path, index.get(test.path)?.durationMs ?? 1000)]));
    return chosen.sort((a, b) => cost.get(a) - cost.get(b));
  }
}

module.exports = CoveringTestsFirst;
