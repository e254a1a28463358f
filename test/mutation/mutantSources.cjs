'use strict';
// Which source file each mutant is in, read from the instrumented sources of this run's
// sandbox (the working directory of every worker): Stryker hands a test runner only the
// mutant's id. Test files are ordered by what they did on mutants of the same file.
const fs = require('node:fs');
const path = require('node:path');

const ROOTS = ['src', 'machines'];
const MUTANT_CHECK = /stryMutAct_9fa48\("(\d+)"\)/g;

function sourceFiles(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

let byMutant;
/** The source file, relative to the sandbox, that holds the mutant; undefined if none does. */
function sourceOf(mutant) {
  if (byMutant === undefined) {
    byMutant = new Map();
    for (const file of ROOTS.flatMap((root) => sourceFiles(path.join(process.cwd(), root)))) {
      const relative = path.relative(process.cwd(), file);
      for (const [, id] of fs.readFileSync(file, 'utf8').matchAll(MUTANT_CHECK)) byMutant.set(id, relative);
    }
  }
  return byMutant.get(mutant);
}

/**
 * Whether a test file is named for the source file: `bytes.test.ts` for `bytes.ts`, and
 * for a dotted name such as `supervisor.settings.ts`, `supervisorSettings.test.ts` or
 * one named for its last part (`machine.test.ts` for `tokenStore.machine.ts`).
 */
function isNamedFor(testPath, source) {
  if (source === undefined) return false;
  const test = path.basename(testPath, '.test.ts');
  const parts = path.basename(source, '.ts').split('.');
  const camel = parts.map((part, at) => (at === 0 ? part : part[0].toUpperCase() + part.slice(1))).join('');
  return test === camel || test === parts.join('.') || (parts.length > 1 && test === parts.at(-1));
}

module.exports = { sourceOf, isNamedFor };
