import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface DemoProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly output: () => string;
  /** Sends a signal and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Runs the demo service (`src/demo/main.ts`) as a real process on an ephemeral
 * loopback port and resolves once it has printed its URL and token.
 */
export function startDemo(env: Record<string, string> = {}): Promise<DemoProcess> {
  const socketDir = mkdtempSync(join(tmpdir(), 'break-glass-demo-'));
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/demo/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', BREAK_GLASS_SOCKET: join(socketDir, 'control.sock'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      rmSync(socketDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const token = /shown once[^\n]*\n\s+([A-Za-z0-9_-]{43})\n/.exec(output)?.[1];
      if (url === undefined || token === undefined) return;
      child.stdout!.off('data', onData);
      child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        child,
        url,
        token,
        output: () => output,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`demo exited early with ${code}:\n${output}`)));
  });
}
