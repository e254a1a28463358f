'use strict';
// A mutant is killed by its first failing test; the tests after it can only cost time.
// Jest cannot bail when driven through its API, so the runner starts no further file
// and the environment skips what is left of the current one. The state lives on
// `process`, shared by every test file of a run in this worker.
const fs = require('node:fs');
const path = require('node:path');

const STATE = Symbol.for('break-glass.mutation.bail');

function state() {
  process[STATE] ??= { failed: false, kills: new Map(), runsRead: 0, escaped: [] };
  return process[STATE];
}

function markFailed() {
  state().failed = true;
}
function hasFailed() {
  return state().failed;
}

/**
 * A new mutant's run: no failure yet, nothing escaped from the last mutant's tests is
 * held against it, and what the workers saw since the last one is taken in.
 */
function resetBail() {
  state().failed = false;
  state().escaped.length = 0;
  readRuns();
}

/** From the first mutant on, this worker runs mutants only: Stryker's initial run is over. */
function markMutantRuns() {
  state().mutantRuns = true;
}
function runsMutants() {
  return state().mutantRuns === true;
}

/** Errors that escaped every test (a throw in a timer, an unhandled rejection) since the last test ended. */
function escapedErrors() {
  return state().escaped;
}

// What every worker of this run saw, one line per test file run on a mutant: shared
// through a file in the run's sandbox (the workers' working directory), so each worker
// learns from all mutants of a source file, not only from the quarter it was handed.
const RUNS_FILE = path.join(process.cwd(), '.mutation-runs.ndjson');

/** Remembers how a test file did on a mutant of `source`: how long it ran and whether it killed it. */
function recordRun(testPath, source, durationMs, killed) {
  fs.appendFileSync(RUNS_FILE, `${JSON.stringify([source, testPath, durationMs, killed])}\n`);
}

/** Takes in the runs that any worker recorded since the last call. */
function readRuns() {
  const { kills } = state();
  let text;
  try {
    const fd = fs.openSync(RUNS_FILE, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(size - state().runsRead);
      fs.readSync(fd, buffer, 0, buffer.length, state().runsRead);
      text = buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return;
  }
  // A line another worker is still writing waits for the next call.
  const complete = text.lastIndexOf('\n') + 1;
  state().runsRead += Buffer.byteLength(text.slice(0, complete));
  for (const line of text.slice(0, complete).split('\n')) {
    if (line === '') continue;
    const [source, testPath, durationMs, killed] = JSON.parse(line);
    const key = `${source}\0${testPath}`;
    const seen = kills.get(key) ?? { runs: 0, kills: 0, totalMs: 0 };
    seen.runs += 1;
    seen.totalMs += durationMs;
    if (killed) seen.kills += 1;
    kills.set(key, seen);
  }
}

/**
 * The expected time a file needs per mutant of `source` it kills: its expected run time
 * over its chance to kill. Both start from what the initial run tells of this mutant
 * (`estimate`: the file's load and covering tests' time, and a prior chance) and move
 * towards what the workers have seen the file do on other mutants of the same
 * source file. Running files in this order finds the first failure soonest.
 */
function costPerKill(testPath, source, estimate) {
  const seen = state().kills.get(`${source}\0${testPath}`) ?? { runs: 0, kills: 0, totalMs: 0 };
  const meanMs = (seen.totalMs + estimate.ms) / (seen.runs + 1);
  const chance = (seen.kills + 2 * estimate.chance) / (seen.runs + 2);
  return meanMs / chance;
}

module.exports = { markFailed, hasFailed, resetBail, markMutantRuns, runsMutants, escapedErrors, recordRun, costPerKill };
