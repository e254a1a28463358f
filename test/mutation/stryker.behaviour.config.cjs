'use strict';
// The first pass of `npm run mutate`: every mutated file except those of staticFiles.cjs,
// static mutants ignored. Everything else as in stryker.config.json.
const { $schema, ...base } = require('./stryker.config.json');
const staticFiles = require('./staticFiles.cjs');

module.exports = {
  ...base,
  mutate: [...base.mutate, ...staticFiles.map((file) => `!${file}`)],
  incrementalFile: 'reports/stryker-incremental-behaviour.json',
  htmlReporter: { fileName: 'reports/mutation/behaviour.html' },
  jsonReporter: { fileName: 'reports/mutation/behaviour.json' },
};
