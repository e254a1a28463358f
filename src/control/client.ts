import { connect } from 'node:net';
import { resolve } from 'node:path';
import { ControlProtocolError, ControlTimeoutError, ControlUnreachableError } from '../errors';
import { tryDecodeToken } from '../token';
import type { ControlCommand, ControlErrorCode, ControlRequest, ControlResponse } from './protocol';
import { checkTrustedSocket } from './trustedSocket';

/** Options of {@link sendControlRequest}. */
export interface ControlClientOptions {
  /** How long to wait for the connection and the answer together, in ms; 10 000 by default. */
  readonly timeoutMs?: number;
}

// Far above any real answer; a peer that sends more is not a control socket.
const MAX_RESPONSE_BYTES = 64 * 1024;

const UNREACHABLE: Readonly<Record<string, ControlUnreachableError['reason']>> = {
  ENOENT: 'no_socket',
  ENOTDIR: 'no_socket',
  ECONNREFUSED: 'not_listening',
  ENOTSOCK: 'not_listening',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
};

/**
 * Sends one request to a control socket and answers the service's response.
 * Refusals (a wrong token, a malformed request) are responses with `ok: false`,
 * not exceptions. Nothing is sent to a socket that someone other than the
 * service's user could have put there (see `ERR_CONTROL_SOCKET_UNSAFE`).
 *
 * @example
 * ```ts
 * const status = await sendControlRequest('/run/my-service/break-glass.sock', { command: 'status' });
 * ```
 * @throws ControlUnreachableError (`ERR_CONTROL_UNREACHABLE`) when nothing accepts the connection.
 * @throws ControlTimeoutError (`ERR_CONTROL_TIMEOUT`) when no answer came in time; once the request was `sent`, it may have been carried out.
 * @throws ControlProtocolError (`ERR_CONTROL_PROTOCOL`) when the answer is not a valid response to this request, or the connection closed without one.
 * @throws ControlSocketError (`ERR_CONTROL_SOCKET_UNSAFE`) when the socket is not a socket of this user in a directory only its owner can write to.
 */
export async function sendControlRequest(
  path: string,
  request: ControlRequest,
  options: ControlClientOptions = {},
): Promise<ControlResponse> {
  const socketPath = resolve(path);
  const timeoutMs = options.timeoutMs ?? 10_000;
  await checkTrustedSocket(socketPath);
  return new Promise<ControlResponse>((resolveResponse, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    const socket = connect(socketPath);
    // Settling again changes nothing: the timer is cleared and the socket destroyed already, and the promise keeps its first outcome.
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const answer = (line: Buffer) => {
      const reading = readResponse(line, request.command);
      if ('problem' in reading) reject(new ControlProtocolError(socketPath, reading.problem));
      else resolveResponse(reading.response);
    };
    // Not "nobody there": with nothing listening, connecting fails at once; and once connected, the service may act on the request however late it answers.
    const timer = setTimeout(
      () => settle(() => reject(new ControlTimeoutError(socketPath, request.command, timeoutMs, connected))),
      timeoutMs,
    );

    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    // Something that took the connection and hung up is there, just not answering: exit 3 would send the operator looking for no one.
    const hungUp = () => new ControlProtocolError(socketPath, 'the connection closed without an answer');
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Stryker disable next-line StringLiteral: equivalent, no key of the table is '' or the mutated text, so an error without a code gets 'closed' either way
      const code = error.code ?? '';
      const reason = UNREACHABLE[code] ?? 'closed';
      settle(() => reject(connected ? hungUp() : new ControlUnreachableError(socketPath, reason)));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const data = Buffer.concat(chunks);
      const newline = data.indexOf(0x0a);
      if (newline !== -1) settle(() => answer(data.subarray(0, newline)));
      else if (received > MAX_RESPONSE_BYTES) settle(() => reject(new ControlProtocolError(socketPath, 'the answer is too long')));
    });
    // A socket that never connected closes only after the error that settled the call, or after settle destroyed it.
    socket.once('close', () => settle(() => reject(hungUp())));
  });
}

type Reading = { readonly response: ControlResponse } | { readonly problem: string };

const FINGERPRINT = /^[0-9a-f]{16}$/;
const ERROR_CODE = /^ERR_[A-Z0-9_]+$/;

/**
 * Reads the answer line to a `command` request. Whatever listens on the socket may
 * answer anything, so every field is checked against what that command answers,
 * and the response is rebuilt from the checked fields alone: nothing unchecked
 * reaches the caller. Problems never quote the answer, which may hold a token.
 */
function readResponse(line: Buffer, command: ControlCommand): Reading {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return { problem: 'the answer is not JSON' };
  }
  if (!isRecord(value)) return { problem: 'the answer is not a JSON object' };
  const ok = field(value, 'ok');
  if (ok === false) return readFailure(value, command);
  if (ok !== true) return { problem: 'the answer has no boolean "ok"' };
  const answered = field(value, 'command');
  if (answered === undefined) return { problem: 'the answer names no command' };
  if (answered !== command) return { problem: `the answer is for another command than ${command}` };
  switch (command) {
    case 'issue': {
      const token = field(value, 'token');
      const fingerprint = field(value, 'fingerprint');
      const insertedAt = field(value, 'insertedAt');
      const url = field(value, 'url');
      if (!isToken(token)) return { problem: 'the answer to issue has no valid token' };
      if (!isFingerprint(fingerprint)) return { problem: 'the answer to issue has no valid fingerprint' };
      if (!isTime(insertedAt)) return { problem: 'the answer to issue has no valid insertedAt time' };
      if (url !== undefined && typeof url !== 'string') return { problem: 'the url in the answer to issue is not a string' };
      return { response: { ok, command, token, fingerprint, insertedAt, ...(url === undefined ? {} : { url }) } };
    }
    case 'status': {
      const active = field(value, 'active');
      if (active === false) return { response: { ok, command, active } };
      if (active !== true) return { problem: 'the answer to status has no boolean "active"' };
      const fingerprint = field(value, 'fingerprint');
      const insertedAt = field(value, 'insertedAt');
      if (!isFingerprint(fingerprint)) return { problem: 'the answer to status has no valid fingerprint' };
      if (!isTime(insertedAt)) return { problem: 'the answer to status has no valid insertedAt time' };
      return { response: { ok, command, active, fingerprint, insertedAt } };
    }
    case 'revoke':
    case 'clear':
      return { response: { ok, command } };
  }
}

function readFailure(value: Record<string, unknown>, command: ControlCommand): Reading {
  const error = field(value, 'error');
  if (!isRecord(error)) return { problem: 'the failure has no "error" object' };
  // A service names no command (null) only when it could not read the request, which it still answers.
  const named = field(value, 'command');
  if (named === undefined) return { problem: 'the failure names no command' };
  if (named !== command && named !== null) return { problem: `the failure is for another command than ${command}` };
  const failed = named === null ? null : command;
  const code = field(error, 'code');
  const message = field(error, 'message');
  // Any code of the right shape: a newer service may fail with a code this client does not know yet.
  if (typeof code !== 'string' || !ERROR_CODE.test(code)) return { problem: 'the failure has no valid error code' };
  if (typeof message !== 'string') return { problem: 'the failure has no error message' };
  return { response: { ok: false, command: failed, error: { code: code as ControlErrorCode, message } } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own fields only: an answer must not get a field from Object.prototype.
function field(record: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isToken(value: unknown): value is string {
  const bytes = tryDecodeToken(value);
  if (bytes === undefined) return false;
  bytes.fill(0);
  return true;
}

function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT.test(value);
}

/** An instant as the service writes it, `Date#toISOString`: "2026-12-03T19:19:52.285Z" and not "2026-02-30T…". */
function isTime(value: unknown): value is string {
  // Stryker disable next-line ConditionalExpression: equivalent, Date.parse reads a non-string as text, and a non-string is never strictly equal to the ISO text it is compared with below
  if (typeof value !== 'string') return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}
