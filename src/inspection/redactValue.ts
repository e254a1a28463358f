import { REDACTED } from '../lib/redaction';
import { SealedToken } from '../lib/sealedToken';

/**
 * Keys whose values are withheld from devtools whatever they hold: a token sent
 * as text or bytes by code that skipped `SecretToken` must still not reach a relay.
 */
const SECRET_KEY = /token|secret|password|passphrase|authorization|cookie|credential|private.?key/i;

/** How deep and how wide a copy goes; past that, a marker says what was left out. */
const MAX_DEPTH = 8;
const MAX_ENTRIES = 100;
const MAX_STRING = 1000;

/** What a value that could not be read (a getter or Proxy trap that threw) becomes. */
export const UNREADABLE = '[unreadable]';

/**
 * A plain, JSON-safe copy of `value` for devtools, with every secret left out:
 * token wrappers, bytes in any binary form and values under secret-sounding keys
 * become markers; functions, cycles and anything past the depth or width limits
 * become markers too. Never throws, whatever `value` is, because a throwing
 * sanitizer inside an inspector's deferred callback would crash the process.
 *
 * @example
 * ```ts
 * redactValue({ type: 'LOGIN', token: 'abc' }); // { type: 'LOGIN', token: '[redacted]' }
 * ```
 */
export function redactValue(value: unknown): unknown {
  return copy(value, 0, new WeakSet());
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return capString(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'undefined':
      return undefined;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return safeString(value);
    case 'function':
      return '[function]';
  }
  if (value === null) return null;
  return copyObject(value as object, depth, seen);
}

function copyObject(value: object, depth: number, seen: WeakSet<object>): unknown {
  try {
    if (value instanceof SealedToken) return `${REDACTED} ${value.fingerprint}`;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
      return `${REDACTED} ${value.byteLength} bytes`;
    }
    if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : 'Invalid Date';
    if (isActorRef(value)) return { actor: String(value.id) };
    if (hasOwnRendering(value)) return renderedOrRedacted(value);
    if (seen.has(value)) return '[cycle]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(value);
    const result = Array.isArray(value) ? copyArray(value, depth, seen) : copyEntries(value, depth, seen);
    seen.delete(value);
    return result;
  } catch {
    return UNREADABLE;
  }
}

function copyArray(value: readonly unknown[], depth: number, seen: WeakSet<object>): unknown[] {
  const out: unknown[] = [];
  const length = Math.min(value.length, MAX_ENTRIES);
  for (let index = 0; index < length; index += 1) out.push(readThen(() => value[index], depth, seen));
  if (value.length > MAX_ENTRIES) out.push(`[${value.length - MAX_ENTRIES} more]`);
  return out;
}

function copyEntries(value: object, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const key of keys.slice(0, MAX_ENTRIES)) {
    // Defined as own data properties, so a key named __proto__ cannot reach the prototype.
    const entry = SECRET_KEY.test(key) ? REDACTED : readThen(() => (value as Record<string, unknown>)[key], depth, seen);
    Object.defineProperty(out, key, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  if (keys.length > MAX_ENTRIES) out['[more]'] = `${keys.length - MAX_ENTRIES} more keys`;
  return out;
}

function capString(value: string): string {
  return value.length <= MAX_STRING ? value : `${value.slice(0, MAX_STRING)}… [${value.length} characters]`;
}

function readThen(read: () => unknown, depth: number, seen: WeakSet<object>): unknown {
  try {
    return copy(read(), depth + 1, seen);
  } catch {
    return UNREADABLE;
  }
}

/** XState actor refs (and the JSON form of one) render as their id: never their snapshot. */
function isActorRef(value: object): value is { id: unknown } {
  const candidate = value as { sessionId?: unknown; send?: unknown; getSnapshot?: unknown };
  return typeof candidate.sessionId === 'string' && typeof candidate.send === 'function' && typeof candidate.getSnapshot === 'function';
}

/**
 * Objects of a class with a `toJSON` (SecretToken, Map-like wrappers, library
 * types) are rendered through it only when it yields a string; anything else from
 * a class is withheld, since its fields were never meant for a relay.
 */
function hasOwnRendering(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto !== null && proto !== Object.prototype && proto !== Array.prototype;
}

function renderedOrRedacted(value: object): unknown {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const rendered: unknown = toJSON.call(value);
    // The marker itself is short, so it passes through unchanged.
    if (typeof rendered === 'string') return capString(rendered);
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `[${typeof name === 'string' && name.length > 0 ? name : 'object'}]`;
}

function safeString(value: symbol): string {
  try {
    return value.toString();
  } catch {
    return UNREADABLE;
  }
}
