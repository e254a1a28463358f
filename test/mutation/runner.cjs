'use strict';
// Runs a mutant's test files one at a time and stops starting new ones once a test has
// failed: the mutant is killed, and loading the remaining files would only cost time.
// Outside a mutant run (Stryker's initial run) every file runs, as with jest's own runner.
const TestRunner = require('jest-runner').default;
const { activeMutant } = require('./testIndex.cjs');
const { hasFailed, recordRun } = require('./bail.cjs');

class BailingRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (activeMutant() === undefined || !options.serial) return super.runTests(tests, watcher, options);
    for (const test of tests) {
      const startedAt = Date.now();
      await super.runTests([test], watcher, options);
      recordRun(test.path, Date.now() - startedAt, hasFailed());
      if (hasFailed()) break;
    }
  }
}

module.exports = BailingRunner;
