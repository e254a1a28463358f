'use strict';
// The second pass of `npm run mutate`: the files of staticFiles.cjs, every mutant of
// them, static ones included. Everything else as in stryker.config.json.
const { $schema, ...base } = require('./stryker.config.json');

module.exports = {
  ...base,
  mutate: require('./staticFiles.cjs'),
  ignoreStatic: false,
  incrementalFile: 'reports/stryker-incremental-static.json',
  htmlReporter: { fileName: 'reports/mutation/static.html' },
  jsonReporter: { fileName: 'reports/mutation/static.json' },
};
