'use strict';
// Runs a mutant's test files one at a time and stops starting new ones once a test has
// failed: the mutant is killed, and loading the remaining files would only cost time.
// Outside a mutant run (Stryker's initial run) every file runs, as with jest's own runner.
//
// With BREAK_GLASS_MUTATION_LOG set to a directory, each worker appends one line per
// mutant there (its id, source file, and each test file run with its time and whether it
// killed the mutant): where a run's time goes, for tuning the sequencer.
const fs = require('node:fs');
const path = require('node:path');
const TestRunner = require('jest-runner').default;
const { activeMutant } = require('./testIndex.cjs');
const { hasFailed, recordRun } = require('./bail.cjs');
const { sourceOf } = require('./mutantSources.cjs');

class BailingRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const mutant = activeMutant();
    if (mutant === undefined || !options.serial) return super.runTests(tests, watcher, options);
    const source = sourceOf(mutant);
    const runs = [];
    for (const test of tests) {
      const startedAt = Date.now();
      await super.runTests([test], watcher, options);
      const ms = Date.now() - startedAt;
      recordRun(test.path, source, ms, hasFailed());
      runs.push([path.relative(process.cwd(), test.path), ms, hasFailed()]);
      if (hasFailed()) break;
    }
    logRuns(mutant, source, runs);
  }
}

function logRuns(mutant, source, runs) {
  const directory = process.env.BREAK_GLASS_MUTATION_LOG;
  if (!directory) return;
  fs.mkdirSync(directory, { recursive: true });
  fs.appendFileSync(path.join(directory, `${process.pid}.ndjson`), `${JSON.stringify({ mutant, source, at: Date.now(), runs })}\n`);
}

module.exports = BailingRunner;
