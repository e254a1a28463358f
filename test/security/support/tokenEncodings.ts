import { inspect } from 'node:util';

/**
 * The texts a token (or its first 15 bytes, so a truncated copy counts too)
 * becomes in every encoding a log, a relay or a serialiser might use: hex in
 * either case, base64, base64url, and a list of byte values as JSON and
 * `util.inspect` print it.
 */
export function encodingsOf(token: Buffer): string[] {
  const forms = (bytes: Buffer) => [
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    // Separators removed: the haystack is compared with all whitespace stripped.
    Array.from(bytes).join(','),
    Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(''),
  ];
  return [...new Set([...forms(token), ...forms(token.subarray(0, 15))])];
}

/** The first encoding of any of `tokens` found in `text`, or undefined. */
export function findTokenIn(text: string, tokens: readonly Buffer[]): string | undefined {
  const compact = text.replace(/\s+/g, '');
  for (const token of tokens) {
    for (const encoding of encodingsOf(token)) {
      if (compact.includes(encoding) || compact.toLowerCase().includes(encoding.toLowerCase())) return encoding;
    }
  }
  return undefined;
}

/** JSON with cycles cut, for values that hold actors and snapshots. */
export function cycleSafeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, entry: unknown) => {
      if (typeof entry === 'bigint') return String(entry);
      if (typeof entry !== 'object' || entry === null) return entry;
      if (seen.has(entry)) return '[cycle]';
      seen.add(entry);
      return entry;
    }) ?? 'undefined'
  );
}

/** Every rendering of `value` a log line could carry: JSON, `util.inspect`, and an error's message and stack. */
export function renderings(value: unknown): string {
  let text = cycleSafeJson(value);
  // Deep enough to reach an event's payload, a snapshot's context and an error's cause.
  text += inspect(value, { depth: 6, maxArrayLength: Infinity, maxStringLength: Infinity });
  if (value instanceof Error) text += `${value.message}\n${value.stack ?? ''}`;
  return text;
}
