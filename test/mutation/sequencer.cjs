'use strict';
// Chooses the test files for one mutant. Stryker tells jest which tests cover the
// mutant (testNamePattern) but jest would still load every other test file, start its
// fixtures and skip its tests one by one; that load is most of a mutant's cost here.
// So only files that hold a covering test run, those likeliest to fail soonest first,
// which pairs with the bail (see bail.cjs).
const Sequencer = require('@jest/test-sequencer').default;
const { activeMutant, readIndex } = require('./testIndex.cjs');
const { costPerKill, markMutantRuns, resetBail } = require('./bail.cjs');
const { isNamedFor, sourceOf } = require('./mutantSources.cjs');

class CoveringTestsFirst extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  sort(tests) {
    resetBail();
    const index = readIndex();
    if (activeMutant() === undefined || index === undefined) return super.sort(tests);
    markMutantRuns();
    // A static mutant (one that runs while modules load, or outside any test) comes
    // without a pattern: the files that executed it in the initial run are the only ones
    // it can change, since the code before it is the same as then.
    const mutant = activeMutant();
    const source = sourceOf(mutant);
    const covering = this.pattern ? coveringNames(this.pattern) : undefined;
    const estimates = new Map();
    for (const test of tests) {
      const entry = index.get(test.path);
      if (entry === undefined) continue;
      const estimate = covering === undefined ? staticEstimate(entry, mutant) : coveringEstimate(entry, covering);
      if (estimate !== undefined) estimates.set(test, estimate);
    }
    // No file chosen means the index is not what this run expects: run everything rather
    // than report a mutant untested.
    if (estimates.size === 0) return super.sort(tests);
    const order = new Map(
      [...estimates].map(([test, estimate]) => [test, { tier: tierOf(test.path, source), cost: costPerKill(test.path, source, estimate) }]),
    );
    return [...estimates.keys()].sort((a, b) => order.get(a).tier - order.get(b).tier || order.get(a).cost - order.get(b).cost);
  }
}

/**
 * The file named for the module first: in a full run it killed 97% of the mutants it
 * ran on, and it came first for only some of them when it was one file among others,
 * each ordered by cost: a cheaper file that had killed many of the module's mutants
 * went before it and mostly passed over the one it was given. (A file that imports the
 * module itself, tried as a second group, killed less than the rest once a file had
 * missed, and costlier files than theirs.)
 */
function tierOf(testPath, source) {
  return isNamedFor(testPath, source) ? 0 : 1;
}

/**
 * The full names of the covering tests, read back from Stryker's pattern: each name with
 * its regular-expression characters escaped, in parentheses, joined by `|`. A set lookup
 * per test where matching that pattern, hundreds of names long for code that every store
 * runs, cost tens of milliseconds a mutant.
 */
function coveringNames(pattern) {
  const names = new Set();
  let name = '';
  for (let at = 0; at < pattern.length; at += 1) {
    const char = pattern[at];
    if (char === '\\') {
      at += 1;
      name += pattern[at];
    } else if (char === ')') {
      names.add(name);
      name = '';
    } else if (char !== '(' && char !== '|') {
      name += char;
    }
  }
  return names;
}

/** The test time a file spends outside its tests: loading, and hooks outside any test. */
function loadMs(entry) {
  return Math.max(0, entry.durationMs - entry.testMs.reduce((sum, ms) => sum + ms, 0));
}

/**
 * For a mutant with covering tests: only those run, so the file costs its load and their
 * time, and the more of them it holds, the likelier one fails. Undefined without any.
 */
function coveringEstimate(entry, covering) {
  let count = 0;
  let testsMs = 0;
  entry.names.forEach((name, at) => {
    if (!covering.has(name)) return;
    count += 1;
    testsMs += entry.testMs[at] ?? 0;
  });
  // A file whose every test starts a store covers much of the library and kills little of it.
  return count === 0 ? undefined : { ms: loadMs(entry) + testsMs, chance: chanceFromTests(count) };
}

/** The more of a file's tests run the mutant, the likelier one fails; never a sure thing. */
function chanceFromTests(count) {
  return Math.min(0.6, count / (count + 2));
}

/**
 * For a static mutant: a file that executed it outside its tests runs whole; one that
 * executed it only in tests runs those (see environment.cjs), and is likelier to fail
 * the more of them there are. Undefined for a file that never executed it.
 */
function staticEstimate(entry, mutant) {
  const touched = entry.touched.get(mutant);
  if (touched === undefined) return undefined;
  const outside = touched[0] === -1;
  const tests = outside ? touched.slice(1) : touched;
  const ms = outside ? entry.durationMs : loadMs(entry) + tests.reduce((sum, at) => sum + (entry.testMs[at] ?? 0), 0);
  return { ms, chance: tests.length === 0 ? 0.15 : chanceFromTests(tests.length) };
}

module.exports = CoveringTestsFirst;
