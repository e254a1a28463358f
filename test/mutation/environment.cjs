'use strict';
// The node test environment for mutation runs. In Stryker's initial run it records each
// test file's tests (see testIndex.cjs); while a mutant is active it skips every test
// after the first failure, and turns an error that escapes every test (an exception in
// a timer, an unhandled rejection) into a failure of the next test instead of a crash
// of the whole runner, which Stryker would count as neither killed nor survived.
const { TestEnvironment } = require('jest-environment-node');
const { activeMutant, recordFile } = require('./testIndex.cjs');
const { hasFailed, markFailed } = require('./bail.cjs');

const escaped = [];
let guarding = false;
function guardProcess() {
  if (guarding) return;
  guarding = true;
  const hold = (error) => {
    if (activeMutant() === undefined) throw error;
    escaped.push(error);
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
    this.names = [];
    this.startedAt = Date.now();
    guardProcess();
  }

  async handleTestEvent(event) {
    if (activeMutant() === undefined) {
      if (event.name === 'test_start') this.names.push(fullName(event.test));
      return;
    }
    if (event.name === 'run_describe_start' && hasFailed()) event.describeBlock.mode = 'skip';
    if (event.name === 'test_start' && hasFailed()) event.test.mode = 'skip';
    if (event.name === 'test_done') {
      if (escaped.length > 0) event.test.errors.push(...escaped.splice(0));
      if (event.test.errors.length > 0) markFailed();
    }
  }

  async teardown() {
    if (activeMutant() === undefined) recordFile(this.testPath, this.names, Date.now() - this.startedAt);
    await super.teardown();
  }
}

module.exports = MutationEnvironment;
