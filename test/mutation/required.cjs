'use strict';
// The faults the tests must always catch, written out by hand: Stryker's operators do not
// produce all of them (an early-exit comparison, a transition without its guard, a
// class left without its redacted rendering). Each is applied to a copy of the project
// and the tests named for it are run there; the check fails if any of them still passes.
// The copy is a temporary directory: the working tree is never changed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REQUIRED = [
  {
    fault: 'the constant-time comparison made an early-exit loop',
    file: 'src/lib/bytes.ts',
    find: 'intrinsicByteLength.call(a) === intrinsicByteLength.call(b) && timingSafeEqual(a, b)',
    replace: 'a.length === b.length && a.every((byte, index) => byte === b[index])',
    tests: ['test/security/memoryAndRestore.test.ts'],
  },
  {
    fault: 'the constant-time comparison made Buffer#equals',
    file: 'src/lib/bytes.ts',
    find: 'intrinsicByteLength.call(a) === intrinsicByteLength.call(b) && timingSafeEqual(a, b)',
    replace: 'Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)',
    tests: ['test/security/memoryAndRestore.test.ts'],
  },
  {
    fault: 'a comparison of unequal bytes answering a match',
    file: 'src/lib/bytes.ts',
    find: 'intrinsicByteLength.call(a) === intrinsicByteLength.call(b) && timingSafeEqual(a, b)',
    replace: 'intrinsicByteLength.call(a) === intrinsicByteLength.call(b)',
    tests: ['test/core/lookup.test.ts', 'test/core/delete.test.ts'],
  },
  {
    fault: 'a sealed token matching any candidate',
    file: 'src/lib/sealedToken.ts',
    find: 'return constantTimeEqual(bytes, candidate);',
    replace: 'constantTimeEqual(bytes, candidate); return true;',
    tests: ['test/core/lookup.test.ts', 'test/core/delete.test.ts'],
  },
  {
    fault: 'DELETE removing the token without re-checking it',
    file: 'machines/tokenStore.machine.ts',
    find: "DELETE: [{ guard: 'candidateMatches', target: 'empty'",
    replace: "DELETE: [{ target: 'empty'",
    tests: ['test/core/delete.test.ts', 'test/core/race.test.ts'],
  },
  {
    fault: 'CONSUME removing the token without re-checking it',
    file: 'machines/tokenStore.machine.ts',
    find: "CONSUME: [{ guard: 'candidateMatches', target: 'empty'",
    replace: "CONSUME: [{ target: 'empty'",
    tests: ['test/core/machine.test.ts', 'test/security/expiry.test.ts'],
  },
  {
    fault: 'SecretToken without its redacted rendering',
    file: 'src/lib/secretToken.ts',
    find: "redactRendering(SecretToken, 'SecretToken');",
    replace: '',
    tests: ['test/security/redactedRendering.test.ts', 'test/security/neverLeaks.test.ts'],
  },
  {
    fault: 'SealedToken without its redacted rendering',
    file: 'src/lib/sealedToken.ts',
    find: "redactRendering(SealedToken, 'SealedToken');",
    replace: '',
    tests: ['test/security/redactedRendering.test.ts', 'test/security/neverLeaks.test.ts'],
  },
  {
    fault: 'inspection values copied without withholding token bytes',
    file: 'src/inspection/redactValue.ts',
    find: 'return `${REDACTED} ${value.byteLength} bytes`;',
    replace: 'return Array.from(new Uint8Array(value as ArrayBuffer));',
    tests: ['test/devtools/redactValue.test.ts', 'test/security/neverLeaks.test.ts'],
  },
  {
    fault: 'the inspect option handed raw events unless raw was asked for',
    file: 'src/inspection/sanitizedInspect.ts',
    find: 'options.unsafeRawInspection === true ? isolatedObserver(options.inspect) : sanitizedInspect(options.inspect)',
    replace: 'isolatedObserver(options.inspect)',
    tests: ['test/devtools/sanitizedInspection.test.ts', 'test/security/neverLeaks.test.ts'],
  },
  {
    fault: 'lookup answering from a snapshot without checking its status',
    file: 'src/tokenStoreHandle.ts',
    find: "if (snapshot.status !== 'active') return this.#refuse();",
    replace: '',
    tests: ['test/core/lookup.test.ts'],
  },
];

const root = path.resolve(__dirname, '../..');
const JEST = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');

function copyProject() {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'break-glass-required-'));
  for (const entry of ['src', 'machines', 'test', 'jest.config.ts', 'tsconfig.json', 'package.json']) {
    fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

function main() {
  const copy = copyProject();
  const missed = [];
  try {
    for (const { fault, file, find, replace, tests } of REQUIRED) {
      const target = path.join(copy, file);
      const original = fs.readFileSync(target, 'utf8');
      if (!original.includes(find)) {
        missed.push(`${fault}: the code to change is no longer in ${file}; update required.cjs`);
        continue;
      }
      // Type errors must not count as a catch: only what the mutant does at run time.
      fs.writeFileSync(target, `// @ts-nocheck\n${original.replace(find, replace)}`);
      const run = spawnSync(process.execPath, [JEST, '--ci', '--silent', ...tests], { cwd: copy, encoding: 'utf8' });
      fs.writeFileSync(target, original);
      const caught = run.status !== 0 && /Tests:.*failed/.test(run.stderr);
      process.stdout.write(`${caught ? 'caught ' : 'MISSED '} ${fault} (${tests.join(', ')})\n`);
      if (!caught) missed.push(fault);
    }
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
  if (missed.length > 0) {
    process.stdout.write(`\nnot caught:\n${missed.map((fault) => `  ${fault}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`\nall ${REQUIRED.length} required faults caught\n`);
  }
}

main();
