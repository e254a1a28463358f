import type { BreakGlassErrorCode } from '../errors';

/** What an operator can ask of a control socket. */
export type ControlCommand = 'issue' | 'status' | 'revoke' | 'clear';

/**
 * One request, sent as one line of JSON, e.g. `{"command":"status"}`. `revoke`
 * carries the token as its 43-character base64url text; other fields are ignored.
 */
export type ControlRequest =
  | { readonly command: 'issue' }
  | { readonly command: 'status' }
  | { readonly command: 'revoke'; readonly token: string }
  | { readonly command: 'clear' };

/**
 * Why a control request failed. The `ERR_CONTROL_*` codes belong to the wire
 * protocol; a failure of the store itself passes its own library code through.
 */
export type ControlErrorCode =
  | 'ERR_CONTROL_MALFORMED'
  | 'ERR_CONTROL_OVERSIZED'
  | 'ERR_CONTROL_UNKNOWN_COMMAND'
  | 'ERR_CONTROL_REFUSED'
  | 'ERR_CONTROL_INTERNAL'
  | BreakGlassErrorCode;

/** A refused or failed request. `message` is for people and never quotes the request. */
export interface ControlFailure {
  readonly ok: false;
  readonly command: ControlCommand | null;
  readonly error: { readonly code: ControlErrorCode; readonly message: string };
}

/** The answer to `issue`: the only response that carries a token. */
export interface IssueResponse {
  readonly ok: true;
  readonly command: 'issue';
  readonly token: string;
  readonly fingerprint: string;
  readonly insertedAt: string;
  /** Where the token opens something, when the service said so when it opened the socket. */
  readonly url?: string;
}

/** The answer to `status`: whether a token is active, since when, and its fingerprint. */
export type StatusResponse =
  | { readonly ok: true; readonly command: 'status'; readonly active: false }
  | {
      readonly ok: true;
      readonly command: 'status';
      readonly active: true;
      readonly fingerprint: string;
      readonly insertedAt: string;
    };

/** Every line a control socket answers with. */
export type ControlResponse =
  | IssueResponse
  | StatusResponse
  | { readonly ok: true; readonly command: 'revoke' }
  | { readonly ok: true; readonly command: 'clear' }
  | ControlFailure;

/** The longest request line a control socket accepts by default, in bytes, newline excluded. */
export const DEFAULT_MAX_LINE_BYTES = 4096;

const COMMANDS: ReadonlySet<string> = new Set<ControlCommand>(['issue', 'status', 'revoke', 'clear']);

/** A failure response. @internal */
export function failure(code: ControlErrorCode, message: string, command: ControlCommand | null = null): ControlFailure {
  return { ok: false, command, error: { code, message } };
}

/**
 * Reads one request line. Anything from the socket may be malformed, so every
 * shape problem becomes a failure response instead of an exception; the token
 * text itself is checked later by `decodeToken`.
 * @internal
 */
export function parseControlRequest(line: string): ControlRequest | ControlFailure {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return failure('ERR_CONTROL_MALFORMED', 'a request is one line of JSON, e.g. {"command":"status"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('ERR_CONTROL_MALFORMED', 'a request is a JSON object with a "command" field');
  }
  const fields = value as Record<string, unknown>;
  const command = Object.hasOwn(fields, 'command') ? fields.command : undefined;
  if (typeof command !== 'string') {
    return failure('ERR_CONTROL_MALFORMED', 'the "command" field must be a string');
  }
  // A Set of literals, not a property lookup: "toString" or "__proto__" must not name a command.
  if (!COMMANDS.has(command)) {
    return failure('ERR_CONTROL_UNKNOWN_COMMAND', 'unknown command; expected issue, status, revoke or clear');
  }
  if (command !== 'revoke') return { command } as ControlRequest;
  const token = Object.hasOwn(fields, 'token') ? fields.token : undefined;
  if (typeof token !== 'string') {
    return failure('ERR_CONTROL_MALFORMED', 'revoke needs the token as a string in the "token" field', 'revoke');
  }
  return { command, token };
}

/** True for a parsed value that is a failure rather than a request. @internal */
export function isFailure(value: ControlRequest | ControlResponse): value is ControlFailure {
  return 'ok' in value && value.ok === false;
}
