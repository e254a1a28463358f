'use strict';
// The faults the tests must always catch, written out by hand: Stryker's operators do not
// produce all of them (an early-exit comparison, a transition without its guard, a
// class left without its redacted rendering). Each is applied to a copy of the project
// and the tests named for it are run there; the check fails if any of them still passes.
// The copy is a temporary directory: the working tree is never changed.
const { spawn } = require('node:child_process');
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

/** Applies one fault in `copy`, runs its tests there, and puts the file back. */
async function check({ fault, file, find, replace, tests }, copy) {
  const target = path.join(copy, file);
  const original = fs.readFileSync(target, 'utf8');
  if (!original.includes(find)) return { fault, missed: `${fault}: the code to change is no longer in ${file}; update required.cjs` };
  // Type errors must not count as a catch: only what the mutant does at run time.
  fs.writeFileSync(target, `// @ts-nocheck\n${original.replace(find, replace)}`);
  try {
    const { status, stderr } = await runJest(copy, tests);
    const caught = status !== 0 && /Tests:.*failed/.test(stderr);
    process.stdout.write(`${caught ? 'caught ' : 'MISSED '} ${fault} (${tests.join(', ')})\n`);
    return caught ? { fault } : { fault, missed: fault };
  } finally {
    fs.writeFileSync(target, original);
  }
}

function runJest(cwd, tests) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JEST, '--ci', '--silent', '--runInBand', ...tests], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

// One copy per core, each working through the faults one at a time: two faults in the
// same file never share a copy.
async function main() {
  const copies = Array.from({ length: Math.min(os.availableParallelism(), REQUIRED.length) }, copyProject);
  const queue = [...REQUIRED];
  const missed = [];
  try {
    await Promise.all(
      copies.map(async (copy) => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const result = await check(next, copy);
          if (result.missed !== undefined) missed.push(result.missed);
        }
      }),
    );
  } finally {
    for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  }
  if (missed.length > 0) {
    process.stdout.write(`\nnot caught:\n${missed.map((fault) => `  ${fault}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`\nall ${REQUIRED.length} required faults caught\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
