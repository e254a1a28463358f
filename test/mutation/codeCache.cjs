'use strict';
// V8's code cache for the modules a mutation worker loads. Jest compiles every module
// afresh for every test file it runs (its own test framework, xstate and the library
// among them), and a mutant's run is mostly loading: compiling was about a third of
// what loading jest's framework into a test file cost. With the cache a worker compiles
// each module once and hands V8 the cache it produced on every later compile of the
// same source.
//
// Under mutant switching the instrumented source is the same for every mutant, so the
// cache holds for the whole run. V8 checks a cache against little more than the source's
// length and its own flags (a cache made for `return 1+1` runs as such for `return 7+7`),
// so a cache is handed back only for the very source text and parameters it was made
// from, under the same file name; any other source is compiled as new.
const vm = require('node:vm');

const compileFunction = vm.compileFunction;
/** Per file name: the source compiled last, with the code cache V8 produced for it. */
const cached = new Map();

function compileWithCache(code, params, options) {
  const known = cached.get(options?.filename);
  if (known !== undefined && known.code === code && known.params === params.join(',')) {
    return compileFunction(code, params, { ...options, cachedData: known.data });
  }
  const compiled = compileFunction(code, params, { ...options, produceCachedData: true });
  if (options?.filename !== undefined && compiled.cachedData !== undefined) {
    cached.set(options.filename, { code, params: params.join(','), data: compiled.cachedData });
  }
  return compiled;
}

/**
 * Jest's runtime calls `vm.compileFunction` through the module object each time it
 * compiles a module, so replacing the export is seen there; nothing else in a mutation
 * worker compiles through it.
 */
function useCodeCache() {
  vm.compileFunction = compileWithCache;
}

module.exports = { useCodeCache };
