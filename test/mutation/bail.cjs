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

/** Errors that escaped every test (a throw in a timer, an unhandled rejection) since the last test ended. */
function escapedErrors() {
  return state().escaped;
}

/**
 * Remembers how a test file did on a mutant: how long it ran and whether it killed it.
 * The next mutants are of nearby code, so the same files tend to kill them.
 */
function recordRun(testPath, durationMs, killed) {
  const { kills } = state();
  const seen = kills.get(testPath) ?? { runs: 0, kills: 0, totalMs: 0 };
  seen.runs += 1;
  seen.totalMs += durationMs;
  if (killed) seen.kills += 1;
  kills.set(testPath, seen);
}

/**
 * The expected time a file needs per mutant it kills, from what this worker has seen
 * (a file not run yet is judged by its time in the initial run and an even chance):
 * running files in this order finds the first failure soonest.
 */
function costPerKill(testPath, initialMs) {
  const seen = state().kills.get(testPath) ?? { runs: 0, kills: 0, totalMs: 0 };
  const meanMs = (seen.totalMs + initialMs) / (seen.runs + 1);
  const chance = (seen.kills + 1) / (seen.runs + 2);
  return meanMs / chance;
}

module.exports = { markFailed, hasFailed, resetBail, escapedErrors, recordRun, costPerKill };
