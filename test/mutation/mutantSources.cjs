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

/** Whether a test file is named for the source file (`src/lib/bytes.ts` and `test/…/bytes.test.ts`). */
function isNamedFor(testPath, source) {
  if (source === undefined) return false;
  return path.basename(testPath, '.test.ts') === path.basename(source, '.ts');
}

module.exports = { sourceOf, isNamedFor };
