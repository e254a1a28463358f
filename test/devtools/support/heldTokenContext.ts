/**
 * The sanitized context of a store that holds its first token, built at `insertedAtMs`:
 * the sealed token shown by its fingerprint only, and the dependencies by their kind.
 */
export function heldTokenContext(fingerprint: string, insertedAtMs: number) {
  return {
    record: { sealed: `[redacted] ${fingerprint}`, insertedAtMs, expiresAtTick: null, generation: 1 },
    generation: 1,
    deps: { randomBytes: '[function]', now: '[function]', monotonicNow: '[function]', ttlMs: null },
  };
}
