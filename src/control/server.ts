import { createServer, type Socket } from 'node:net';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import { runControlCommand } from './commands';
import { serveConnection } from './connection';
import {
  DEFAULT_MAX_LINE_BYTES,
  isFailure,
  parseControlRequest,
  type ControlCommand,
  type ControlErrorCode,
  type ControlResponse,
} from './protocol';
import { listenPrivately, removePublished } from './privateSocket';
import { prepareSocketPath } from './socketPath';

/** Options of {@link openControlSocket}. */
export interface ControlSocketOptions {
  /** Where to create the socket; its directory must be writable by its owner only. */
  readonly path: string;
  /** A client that sends nothing for this long is dropped, in ms; 10 000 by default. */
  readonly idleTimeoutMs?: number;
  /** The longest request line accepted, in bytes; 4096 by default. */
  readonly maxLineBytes?: number;
  /** Connections served at once; more are closed on arrival. 128 by default. */
  readonly maxConnections?: number;
  /** Returned with each issued token (e.g. `http://127.0.0.1:4000/admin`), so the CLI can print a ready `curl` line. */
  readonly serviceUrl?: string;
  /** The clock of the `control.request` audit events; `Date.now` by default. */
  readonly now?: () => number;
}

/** A control socket that is listening. */
export interface ControlSocket {
  /** The absolute path of the socket. */
  readonly path: string;
  /** Stops listening, drops every client and removes the socket file. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens a control channel for `store` on a Unix domain socket, so an operator on
 * the host can issue, check and revoke the token of a running service with the
 * `break-glass` command. The socket is created with mode 0600; every request is
 * reported on the store's audit trail as a `control.request` event.
 *
 * @example
 * ```ts
 * const store = startLink();
 * const control = await openControlSocket(store, { path: '/run/my-service/break-glass.sock' });
 * process.once('SIGTERM', () => void control.close());
 * ```
 * @throws ControlSocketError (`ERR_CONTROL_SOCKET_UNSAFE`, `ERR_CONTROL_SOCKET_IN_USE`) when the path cannot be used.
 * @throws TypeError or RangeError for an option of the wrong kind.
 */
export async function openControlSocket(store: TokenStoreHandle, options: ControlSocketOptions): Promise<ControlSocket> {
  const idleTimeoutMs = positive(options.idleTimeoutMs ?? 10_000, 'options.idleTimeoutMs');
  const maxLineBytes = positive(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, 'options.maxLineBytes');
  const maxConnections = positive(options.maxConnections ?? 128, 'options.maxConnections');
  if (options.serviceUrl !== undefined && typeof options.serviceUrl !== 'string') {
    throw new TypeError('options.serviceUrl must be a string');
  }
  const now = options.now ?? Date.now;
  const path = await prepareSocketPath(options.path);

  const audit = (command: ControlCommand | null, outcome: 'ok' | ControlErrorCode) =>
    store.audit({ type: 'control.request', at: new Date(now()), command, outcome });
  const answer = async (line: string): Promise<ControlResponse> => {
    const request = parseControlRequest(line);
    const response = isFailure(request)
      ? request
      : await runControlCommand(request, store, { serviceUrl: options.serviceUrl });
    audit(response.command, response.ok ? 'ok' : response.error.code);
    return response;
  };

  const clients = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    clients.add(socket);
    // Stryker disable next-line StringLiteral: equivalent, a closed client left in the set only holds memory until close(), whose destroy() of it does nothing
    // Stryker disable next-line ArrowFunction: equivalent, a closed client left in the set only holds memory until close(), whose destroy() of it does nothing
    socket.once('close', () => clients.delete(socket));
    serveConnection(socket, {
      maxLineBytes,
      idleTimeoutMs,
      answer,
      onOversized: () => audit(null, 'ERR_CONTROL_OVERSIZED'),
    });
  });
  server.maxConnections = maxConnections;
  const published = await listenPrivately(server, path);
  // After start-up a failing accept (e.g. out of file descriptors) must not take the service down.
  server.on('error', () => process.emitWarning('the break-glass control socket failed to accept a client'));

  let closing: Promise<void> | undefined;
  return {
    path,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of clients) socket.destroy();
        });
        await removePublished(path, published);
      })()),
  };
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number`);
  return value;
}
