'use strict';
// `npm run mutate`: the behaviour pass, then the static pass (see staticFiles.cjs), one
// after the other, merged into one report (reports/mutation/mutation.json and index.html)
// and a score per file on stdout.
//
// Arguments are Stryker's own and go to both passes (`--force` for a full run). A
// `--mutate` list is split between them: the static pass takes the files of
// staticFiles.cjs that it names, the behaviour pass the rest; a pass left with nothing
// to mutate is skipped. A run over all files ends with the faults of required.cjs.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { minimatch } = require('minimatch');
const staticFiles = require('./staticFiles.cjs');

// The package exports no path to its executable: find it next to its package.json.
const STRYKER = path.join(path.dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
const REPORTS = 'reports/mutation';
const PASSES = [
  { name: 'behaviour', config: 'test/mutation/stryker.behaviour.config.cjs', report: `${REPORTS}/behaviour.json` },
  { name: 'static', config: 'test/mutation/stryker.static.config.cjs', report: `${REPORTS}/static.json` },
];

/** A `--mutate` entry without its line range (`file.ts:10-20` is `file.ts`). */
const fileOf = (entry) => entry.replace(/:\d+(:\d+)?-\d+(:\d+)?$/, '');

/** Splits off `--mutate <list>` (or `-m`, or `--mutate=<list>`) from the other arguments. */
function parseArguments(args) {
  const rest = [];
  let mutate;
  for (let at = 0; at < args.length; at += 1) {
    const arg = args[at];
    if (arg === '--mutate' || arg === '-m') {
      mutate = args[at + 1];
      at += 1;
    } else if (arg.startsWith('--mutate=')) {
      mutate = arg.slice('--mutate='.length);
    } else {
      rest.push(arg);
    }
  }
  return { rest, mutate: mutate?.split(',').filter((entry) => entry !== '') };
}

/** What each pass mutates: its own configuration's list, or its share of the caller's. */
function mutateLists(requested) {
  if (requested === undefined) return { behaviour: undefined, static: undefined };
  // An entry may carry a line range (`file.ts:10-20`); the file decides the pass.
  // A file of the static pass keeps its range; a glob brings the files of it that match.
  const staticShare = requested.flatMap((entry) =>
    staticFiles.includes(fileOf(entry)) ? [entry] : staticFiles.filter((file) => minimatch(file, entry)),
  );
  const behaviourShare = requested.filter((entry) => !staticFiles.includes(fileOf(entry)));
  return {
    // A glob that also matches files of the static pass leaves them to it.
    behaviour: behaviourShare.length === 0 ? [] : [...behaviourShare, ...staticFiles.map((file) => `!${file}`)],
    static: [...new Set(staticShare)],
  };
}

function runPass(pass, mutate, rest) {
  // A skipped pass leaves no report of an earlier run to be merged as if it were new.
  fs.rmSync(pass.report, { force: true });
  if (mutate !== undefined && mutate.length === 0) return 'skipped';
  const args = [STRYKER, 'run', pass.config, ...rest, ...(mutate === undefined ? [] : ['--mutate', mutate.join(',')])];
  process.stdout.write(`\n== ${pass.name} pass: ${mutate === undefined ? 'its configured files' : mutate.join(', ')}\n`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  return result.status === 0 ? 'ran' : 'failed';
}

/** Whether `file` is one that the `mutate` patterns select (a line range counts as its file). */
function selects(patterns, file) {
  const matches = (pattern) => fileOf(pattern) === file || minimatch(file, fileOf(pattern));
  const included = patterns.filter((pattern) => !pattern.startsWith('!'));
  const excluded = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
  return included.some(matches) && !excluded.some(matches);
}

/**
 * The report with only the files this pass mutated now. Stryker's report also carries,
 * from its incremental file and even under --force, every file an earlier run of the
 * pass mutated: a file since moved to the other pass, or left out of a --mutate list,
 * would show its old results, and a stale static-pass result would hide the fresh one.
 */
function withinScope(report, patterns) {
  return { ...report, files: Object.fromEntries(Object.entries(report.files).filter(([file]) => selects(patterns, file))) };
}

/** The two reports as one; test ids are prefixed per pass, as each run numbers its own. */
function merge(reports) {
  const merged = { ...reports[0].report, files: {}, testFiles: {} };
  for (const { name, report } of reports) {
    const id = (testId) => `${name}:${testId}`;
    for (const [file, result] of Object.entries(report.files)) {
      merged.files[file] = {
        ...result,
        mutants: result.mutants.map((mutant) => ({
          ...mutant,
          id: id(mutant.id),
          killedBy: mutant.killedBy?.map(id),
          coveredBy: mutant.coveredBy?.map(id),
        })),
      };
    }
    for (const [file, tests] of Object.entries(report.testFiles ?? {})) {
      const known = merged.testFiles[file]?.tests ?? [];
      merged.testFiles[file] = { ...tests, tests: [...known, ...tests.tests.map((test) => ({ ...test, id: id(test.id) }))] };
    }
  }
  return merged;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Per file: detected and undetected mutants, the ignored ones (static or disabled) apart. */
function scoreTable(report) {
  const rows = [];
  const total = { detected: 0, undetected: 0, ignored: 0 };
  for (const [file, result] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const row = { file, detected: 0, undetected: 0, ignored: 0 };
    for (const mutant of result.mutants) {
      if (DETECTED.has(mutant.status)) row.detected += 1;
      else if (UNDETECTED.has(mutant.status)) row.undetected += 1;
      else if (mutant.status === 'Ignored') row.ignored += 1;
    }
    for (const key of ['detected', 'undetected', 'ignored']) total[key] += row[key];
    rows.push(row);
  }
  const score = ({ detected, undetected }) =>
    detected + undetected === 0 ? '   n/a' : `${((100 * detected) / (detected + undetected)).toFixed(1).padStart(5)}%`;
  const width = Math.max(...rows.map((row) => row.file.length), 5);
  const line = (file, row) =>
    `${file.padEnd(width)}  ${score(row)}  ${String(row.detected).padStart(8)}  ${String(row.undetected).padStart(10)}  ${String(row.ignored).padStart(7)}`;
  return [
    `${'file'.padEnd(width)}   score  detected  undetected  ignored`,
    ...rows.map((row) => line(row.file, row)),
    line('all files', total),
  ].join('\n');
}

function writeHtml(report, file) {
  const elements = fs.readFileSync(require.resolve('mutation-testing-elements/dist/mutation-test-elements.js'), 'utf8');
  // `<` broken apart inside the JSON, so no string in it can close the script element.
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  fs.writeFileSync(
    file,
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>break-glass mutation report</title><script>${elements}</script></head>` +
      `<body><mutation-test-report-app titlePostfix="break-glass"></mutation-test-report-app>` +
      `<script>document.querySelector('mutation-test-report-app').report = ${json};</script></body></html>\n`,
  );
}

function main() {
  const { rest, mutate } = parseArguments(process.argv.slice(2));
  const lists = mutateLists(mutate);
  const startedAt = Date.now();
  const outcomes = PASSES.map((pass) => ({ pass, outcome: runPass(pass, lists[pass.name], rest) }));
  const reports = outcomes
    .filter(({ outcome, pass }) => outcome === 'ran' && fs.existsSync(pass.report))
    .map(({ pass }) => {
      const report = JSON.parse(fs.readFileSync(pass.report, 'utf8'));
      return { name: pass.name, report: withinScope(report, lists[pass.name] ?? require(path.resolve(pass.config)).mutate) };
    });
  if (reports.length > 0) {
    const merged = merge(reports);
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(path.join(REPORTS, 'mutation.json'), JSON.stringify(merged));
    writeHtml(merged, path.join(REPORTS, 'index.html'));
    process.stdout.write(`\n${scoreTable(merged)}\n`);
    process.stdout.write(`\nreport: ${REPORTS}/index.html (and mutation.json)\n`);
  }
  // The hand-written faults of required.cjs, on every run over all files.
  let required = 'skipped';
  if (mutate === undefined) {
    process.stdout.write('\n== required faults (required.cjs)\n');
    required = spawnSync(process.execPath, [path.join(__dirname, 'required.cjs')], { stdio: 'inherit' }).status === 0 ? 'all caught' : 'FAILED';
  }
  const minutes = ((Date.now() - startedAt) / 60000).toFixed(1);
  const summary = outcomes.map(({ pass, outcome }) => `${pass.name} pass: ${outcome}`);
  process.stdout.write(`${[...summary, `required faults: ${required}`].join(', ')}; ${minutes} min\n`);
  process.exitCode = outcomes.some(({ outcome }) => outcome === 'failed') || required === 'FAILED' ? 1 : 0;
}

main();
