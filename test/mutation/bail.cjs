'use strict';
// A mutant is killed by its first failing test; the tests after it can only cost time.
// Jest cannot bail when driven through its API, so the runner starts no further file
// and the environment skips what is left of the current one. The state lives on
// `process`, shared by every test file of a run in this worker.
const STATE = Symbol.for('break-glass.mutation.bail');

function state() {
  process[STATE] ??= { failed: false, kills: new Map(), escaped: [] };
  return process[STATE];
}

function markFailed() {
  state().failed = true;
}
function hasFailed() {
  return state().failed;
}

/** A new mutant's run: no failure yet, and nothing escaped from the last mutant's tests is held against it. */
function resetBail() {
  state().failed = false;
  state().escaped.length = 0;
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

/**
 * Remembers how a test file did on a mutant of `source`: how long it ran and whether it
 * killed it. The file tends to do the same on the other mutants of that source file.
 */
function recordRun(testPath, source, durationMs, killed) {
  const { kills } = state();
  const key = `${source}\0${testPath}`;
  const seen = kills.get(key) ?? { runs: 0, kills: 0, totalMs: 0 };
  seen.runs += 1;
  seen.totalMs += durationMs;
  if (killed) seen.kills += 1;
  kills.set(key, seen);
}

/**
 * The expected time a file needs per mutant of `source` it kills: its expected run time
 * over its chance to kill. Both start from what the initial run tells of this mutant
 * (`estimate`: the file's load and covering tests' time, and a prior chance) and move
 * towards what this worker has seen the file do on other mutants of the same source
 * file. Running files in this order finds the first failure soonest.
 */
function costPerKill(testPath, source, estimate) {
  const seen = state().kills.get(`${source}\0${testPath}`) ?? { runs: 0, kills: 0, totalMs: 0 };
  const meanMs = (seen.totalMs + estimate.ms) / (seen.runs + 1);
  const chance = (seen.kills + 2 * estimate.chance) / (seen.runs + 2);
  return meanMs / chance;
}

module.exports = { markFailed, hasFailed, resetBail, markMutantRuns, runsMutants, escapedErrors, recordRun, costPerKill };
