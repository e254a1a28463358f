'use strict';
// The test files of one mutation run, with the full name of every test in each and how
// long each file took: written during Stryker's initial run, read for every mutant.
const fs = require('node:fs');
const path = require('node:path');

const INDEX_FILE = path.join(process.cwd(), '.mutation-test-index.ndjson');
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/** The mutant this process is testing now, or undefined in the initial run. */
function activeMutant() {
  return process.env[ACTIVE_MUTANT] || undefined;
}

/**
 * Records one test file: the tests it ran, how long each took, its slowest hook, the
 * file's duration, and the mutants it executed with the tests that did (see
 * MutationEnvironment#touchedMutants).
 */
function recordFile(testPath, names, testMs, hookMs, durationMs, touched) {
  fs.appendFileSync(INDEX_FILE, `${JSON.stringify({ testPath, names, testMs, hookMs, durationMs, touched })}\n`);
}

let cached;
/** Every recorded file by path, or undefined while the initial run has not written any. */
function readIndex() {
  if (cached !== undefined) return cached;
  let text;
  try {
    text = fs.readFileSync(INDEX_FILE, 'utf8');
  } catch {
    return undefined;
  }
  const files = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line);
    files.set(entry.testPath, { ...entry, touched: new Map(Object.entries(entry.touched ?? {})) });
  }
  cached = files;
  return files;
}

module.exports = { activeMutant, recordFile, readIndex };
