'use strict';
// The files whose mutants that run while their module loads ("static" mutants) are tested
// too: the files that generate, compare, redact and hold the token, and the two machines.
// Their module-level code is behaviour: the machines' transitions and guards, the door's
// table of the fields it reads, the redacted renderings, the token's pattern. Elsewhere,
// static mutants are module-level constants and tables, and each costs a run of every
// test file, so the behaviour pass ignores them (see docs/testing.md).
module.exports = [
  'machines/tokenStore.machine.ts',
  'machines/tokenStore.ts',
  'machines/door.ts',
  'machines/courier.ts',
  'machines/supervisor.machine.ts',
  'src/tokenStoreHandle.ts',
  'src/token.ts',
  'src/lib/bytes.ts',
  'src/lib/entropy.ts',
  'src/lib/sealedToken.ts',
  'src/lib/secretToken.ts',
  'src/lib/redaction.ts',
  'src/inspection/redactValue.ts',
  'src/inspection/redactedInspection.ts',
  'src/inspection/sanitizedInspect.ts',
  'src/inspection/sanitizers.ts',
];
