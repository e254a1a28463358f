import { connect } from 'node:net';
import { resolve } from 'node:path';
import { ControlProtocolError, ControlUnreachableError } from '../errors';
import type { ControlRequest, ControlResponse } from './protocol';
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
 * @throws ControlUnreachableError (`ERR_CONTROL_UNREACHABLE`) when no service answers.
 * @throws ControlProtocolError (`ERR_CONTROL_PROTOCOL`) when something else answers.
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
    let settled = false;
    const socket = connect(socketPath);
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(() => settle(() => reject(new ControlUnreachableError(socketPath, 'timeout'))), timeoutMs);

    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = UNREACHABLE[error.code ?? ''] ?? 'closed';
      settle(() => reject(new ControlUnreachableError(socketPath, reason)));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const data = Buffer.concat(chunks);
      const newline = data.indexOf(0x0a);
      if (newline !== -1) settle(() => parseResponse(data.subarray(0, newline), socketPath, resolveResponse, reject));
      else if (received > MAX_RESPONSE_BYTES) settle(() => reject(new ControlProtocolError(socketPath)));
    });
    socket.once('close', () => settle(() => reject(new ControlUnreachableError(socketPath, 'closed'))));
  });
}

function parseResponse(
  line: Buffer,
  socketPath: string,
  resolveResponse: (response: ControlResponse) => void,
  reject: (error: Error) => void,
): void {
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    if (typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean') {
      resolveResponse(value as ControlResponse);
      return;
    }
  } catch {
    // Falls through to the protocol error: the peer is not a control socket.
  }
  reject(new ControlProtocolError(socketPath));
}
