import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlSocket, type ControlSocket, type ControlSocketOptions, type TokenStoreHandle } from '../../src';

const ROOT = join(__dirname, '..', '..');
const directories: string[] = [];
const sockets: ControlSocket[] = [];

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

/** Closes every socket and removes every directory the test made. */
export async function cleanUp(): Promise<void> {
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
