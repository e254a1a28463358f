import { spawn } from 'node:child_process';
import { linkSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlSocket, type ControlSocket, type ControlSocketOptions, type TokenStoreHandle } from '../../src';

const ROOT = join(__dirname, '..', '..');
const directories: string[] = [];
const sockets: ControlSocket[] = [];
const servers: Server[] = [];
const connections: Socket[] = [];

/** A fresh 0700 directory, removed by `cleanUp`. */
export function privateDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'bg-control-'));
  directories.push(directory);
  return directory;
}

/** Opens a control socket in a fresh private directory; `cleanUp` closes it. */
export async function openTestSocket(
  store: TokenStoreHandle,
  options: Partial<ControlSocketOptions> = {},
): Promise<ControlSocket> {
  const control = await openControlSocket(store, { path: join(privateDirectory(), 'control.sock'), ...options });
  sockets.push(control);
  return control;
}

/** Listens on `path` with a plain server that hands each connection to `onConnection`; `cleanUp` closes it. */
export async function serve(path: string, onConnection: (socket: Socket) => void): Promise<void> {
  const server = createServer((socket) => {
    connections.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(path, done));
}

/** A service the test stands in for: what `fakeService` gives. */
export interface FakeService {
  readonly path: string;
  /** Resolves with the first request line the service read. */
  readonly firstRequest: Promise<string>;
  /** Resolves once the client has closed the service's side of the first connection. */
  readonly clientClosed: Promise<void>;
}

/** A service that answers each request line with `respond(line)`, or never when that is undefined. */
export async function fakeService(respond: (line: string) => string | undefined): Promise<FakeService> {
  const path = join(privateDirectory(), 'fake.sock');
  let received: (line: string) => void = () => undefined;
  let closed: () => void = () => undefined;
  const firstRequest = new Promise<string>((done) => (received = done));
  const clientClosed = new Promise<void>((done) => (closed = done));
  await serve(path, (socket) => {
    socket.on('error', () => undefined);
    socket.once('close', () => closed());
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        received(line);
        const answer = respond(line);
        if (answer !== undefined) socket.write(answer);
      }
    });
  });
  return { path, firstRequest, clientClosed };
}

/** A socket file of this user that nothing listens on any more. */
export async function staleSocket(): Promise<string> {
  const directory = privateDirectory();
  const live = join(directory, 'live.sock');
  const stale = join(directory, 'stale.sock');
  const server = createServer();
  await new Promise<void>((done) => server.listen(live, done));
  // A second name for the socket file, which outlives the server that made it.
  linkSync(live, stale);
  await new Promise((done) => server.close(done));
  return stale;
}

/** Closes every server and socket and removes every directory the test made. */
export async function cleanUp(): Promise<void> {
  // A server closes only once its connections have: end them first rather than wait on the peer.
  for (const socket of connections.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  await Promise.all(sockets.splice(0).map((control) => control.close()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** A client connection that collects what the server sends and reports when it closes. */
export interface RawClient {
  readonly socket: Socket;
  /** Resolves with the next `count` response lines, parsed. */
  lines(count: number): Promise<unknown[]>;
  /** Resolves once the server has closed the connection, with everything it sent as text. */
  closed(): Promise<string>;
}

/** Connects to `path` and resolves once connected. */
export function rawClient(path: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = '';
    const waiters: Array<() => void> = [];
    const closedPromise = new Promise<string>((resolveClosed) => socket.once('close', () => resolveClosed(received)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      for (const wake of waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of waiters.splice(0)) wake();
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        closed: () => closedPromise,
        lines: async (count) => {
          for (;;) {
            const complete = received.split('\n').slice(0, -1);
            if (complete.length >= count) return complete.slice(0, count).map((line) => JSON.parse(line) as unknown);
            if (socket.destroyed) throw new Error(`connection closed after ${complete.length} of ${count} lines`);
            await new Promise<void>((wake) => waiters.push(wake));
          }
        },
      }),
    );
  });
}

/** Sends `payload` on a new connection, half-closes it, and resolves with every answer line, parsed. */
export async function exchange(path: string, payload: string | Buffer): Promise<unknown[]> {
  const client = await rawClient(path);
  client.socket.end(payload);
  const text = await client.closed();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as unknown);
}

/** What a finished CLI process left behind. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `break-glass` command from source as a real process, waiting for it without blocking this one's sockets. */
export function runCli(args: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, BREAK_GLASS_SOCKET: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
