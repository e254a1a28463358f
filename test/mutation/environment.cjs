'use strict';
// The node test environment for mutation runs. In Stryker's initial run it records each
// test file's tests (see testIndex.cjs); while a mutant is active it skips every test
// after the first failure, and turns an error that escapes every test (an exception in
// a timer, an unhandled rejection) into a failure of the next test instead of a crash
// of the whole runner, which Stryker would count as neither killed nor survived.
//
// It also gives each test a time limit of its own under a mutant, from its time in the
// initial run: a mutant that leaves a call waiting for a reply (the calls' own timeout is
// 5 s) then fails that test within seconds. The hooks that run around tests get one
// from the file's slowest hook, so a mutant that leaves a stop or a close waiting fails
// the test whose clean-up waits. Left to Stryker's timeout (tens of seconds, see
// stryker.config.json), the same mutant would also cost a restart of the test runner
// process.
const { TestEnvironment } = require('jest-environment-node');
const { activeMutant, recordFile, readIndex } = require('./testIndex.cjs');
const { useCodeCache } = require('./codeCache.cjs');

useCodeCache();

// Three times the initial run, which ran with coverage instrumentation and so slower than
// a mutant run, plus 400 ms, and never under half a second. A mutant that leaves a call
// waiting costs this limit; at a floor of 2 s such kills took 40% of a run's test time.
// From about half a second up, eight times less 2 s: those are the tests and hooks that
// start processes (cluster workers, ts-node), which had the machine to themselves in the
// initial run and under four workers on two cores took three to four times as long.
const timeLimitMs = (initialMs) => Math.max(500, 3 * initialMs + 400, 8 * initialMs - 2000);
const { escapedErrors, hasFailed, markFailed, runsMutants } = require('./bail.cjs');

let guarding = false;
function guardProcess() {
  if (guarding) return;
  guarding = true;
  const hold = (error) => {
    // In the initial run an escaped error is a real one. Later, one that arrives between
    // two mutants' runs comes from the last mutant's tests: held, then dropped when the
    // next run starts, rather than crashing the worker.
    if (activeMutant() === undefined && !runsMutants()) throw error;
    escapedErrors().push(error);
  };
  process.on('uncaughtException', hold);
  process.on('unhandledRejection', hold);
}

function fullName(test) {
  const names = [test.name];
  for (let block = test.parent; block !== undefined && block.parent !== undefined; block = block.parent) {
    names.unshift(block.name);
  }
  return names.join(' ');
}

class MutationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.pattern = config.globalConfig?.testNamePattern || undefined;
    this.names = [];
    this.testMs = [];
    this.hookMs = 0;
    this.hookStarts = new Map();
    this.startedAt = Date.now();
    // Under a mutant: what the initial run recorded of this file (undefined for a file it did not know).
    this.initial = activeMutant() === undefined ? undefined : readIndex()?.get(this.testPath);
    // Under a static mutant, the only tests of this file that may run (undefined: all).
    this.onlyTests = activeMutant() === undefined ? undefined : this.staticMutantTests();
    guardProcess();
  }

  async setup() {
    await super.setup();
    // Stryker's coverage counters, shared by every file of the initial run: what this
    // file adds to them is what it executed.
    if (activeMutant() === undefined) this.staticBefore = { ...this.coverage()?.static };
  }

  coverage() {
    return this.global.__stryker__?.mutantCoverage;
  }

  /**
   * The mutants this file executed in the initial run, each with the indices of its tests
   * that did, led by -1 if the file also executed it outside any test (while its modules
   * loaded, or in a beforeAll or afterAll hook).
   */
  touchedMutants() {
    const coverage = this.coverage();
    const touched = {};
    if (coverage === undefined) return touched;
    for (const [id, hits] of Object.entries(coverage.static)) if (hits > (this.staticBefore?.[id] ?? 0)) touched[id] = [-1];
    // A test name used in another file too only widens the set: the file then runs a few more tests.
    this.names.forEach((name, at) => {
      for (const id of Object.keys(coverage.perTest[name] ?? {})) (touched[id] ??= []).push(at);
    });
    return touched;
  }

  /**
   * For a static mutant that this file executed only inside tests: the tests that did,
   * the only ones here it can change, as Stryker assumes for every other mutant. All of
   * them (undefined) when the file executed it outside tests too, since what a module or
   * a beforeAll hook set up with the mutant in place reaches every test after it.
   */
  staticMutantTests() {
    if (this.pattern !== undefined) return undefined;
    const touched = this.initial?.touched.get(activeMutant());
    if (touched === undefined || touched[0] === -1) return undefined;
    return new Set(touched);
  }

  async handleTestEvent(event) {
    if (activeMutant() === undefined) {
      if (event.name === 'test_start') this.names.push(fullName(event.test));
      if (event.name === 'test_done') this.testMs.push(event.test.duration ?? 0);
      if (event.name === 'hook_start') this.hookStarts.set(event.hook, Date.now());
      if (event.name === 'hook_success' || event.name === 'hook_failure') {
        this.hookMs = Math.max(this.hookMs, Date.now() - (this.hookStarts.get(event.hook) ?? Date.now()));
      }
      return;
    }
    // Not an afterAll hook: jest reports its failure as the file's, not a test's, and
    // Stryker would count the mutant neither killed nor survived.
    if (event.name === 'hook_start' && event.hook.type !== 'afterAll') {
      const hookMs = this.initial?.hookMs;
      if (hookMs !== undefined) event.hook.timeout = timeLimitMs(hookMs);
    }
    if (event.name === 'run_describe_start' && hasFailed()) event.describeBlock.mode = 'skip';
    if (event.name === 'test_start' && hasFailed()) event.test.mode = 'skip';
    if (event.name === 'test_start' && !hasFailed()) {
      // The test's place in its file in the initial run; -1 for a test the index does not know.
      const at = this.initial?.names.indexOf(fullName(event.test)) ?? -1;
      if (this.onlyTests !== undefined && !this.onlyTests.has(at)) {
        event.test.mode = 'skip';
        return;
      }
      const initialMs = at === -1 ? undefined : this.initial.testMs[at];
      if (initialMs !== undefined) event.test.timeout = timeLimitMs(initialMs);
    }
    if (event.name === 'test_done') {
      const escaped = escapedErrors();
      if (escaped.length > 0) event.test.errors.push(...escaped.splice(0));
      if (event.test.errors.length > 0) markFailed();
    }
  }

  async teardown() {
    if (activeMutant() === undefined) {
      recordFile(this.testPath, this.names, this.testMs, this.hookMs, Date.now() - this.startedAt, this.touchedMutants());
    }
    await super.teardown();
  }
}

module.exports = MutationEnvironment;
