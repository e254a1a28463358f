import { Readable } from 'node:stream';
import { ControlUnreachableError, encodeToken, startLink, type TokenStoreHandle } from '../../src';
import * as client from '../../src/control/client';
import { runCli, type CliIo } from '../../src/cli/run';
import { cleanUp, openTestSocket, staleSocket } from './harness';

// The outcomes of `break-glass` that the service cannot stage: standard input that fails
// or is empty, a socket nobody listens on any more, a refused connection, and failures
// that are not the library's own. Every one is a message and a status, never a throw.

let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-cli-outcomes-${(storeCount += 1)}` });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanUp();
  await store.stop();
});

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: readonly string[], stdin: NodeJS.ReadableStream = Readable.from([])): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    env: {},
    now: Date.now,
  };
  const status = await runCli(argv, io);
  return { status, stdout, stderr };
}

const json = (value: unknown) => `${JSON.stringify(value)}\n`;

describe('the token on standard input', () => {
  it('exits 2 with ERR_TOKEN_MALFORMED when standard input fails, sending nothing', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    const failing = new Readable({
      read() {
        this.destroy(new Error(`read failed near ${encodeToken(token)}`));
      },
    });
    expect(await run(['revoke', '--json', '--socket', control.path], failing)).toEqual({
      status: 2,
      stdout: json({ ok: false, command: 'revoke', error: { code: 'ERR_TOKEN_MALFORMED', message: 'the token could not be read' } }),
      stderr: '',
    });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('exits 2 for empty standard input, with the decoder\'s reason', async () => {
    const control = await openTestSocket(store);
    expect(await run(['revoke', '--socket', control.path], Readable.from([]))).toEqual({
      status: 2,
      stdout: '',
      stderr: 'break-glass: malformed token: expected 43 characters of base64url\n',
    });
  });

  it('reads a token given as text chunks as well as bytes, up to its newline', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    const text = encodeToken(token);
    const stdin = Readable.from([Buffer.from(text.slice(0, 10)), `${text.slice(10)}\n`], { objectMode: true });
    expect(await run(['revoke', '--socket', control.path], stdin)).toEqual({
      status: 0,
      stdout: 'Revoked: the token no longer opens anything.\n',
      stderr: '',
    });
  });

  it('reads a first line of 1024 characters to its end, so a longer line is not cut down to a token', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    const padded = `${' '.repeat(1024 - 43)}${encodeToken(token)}`;
    // The line goes on past the token in the next chunk: it is not the token.
    expect(await run(['revoke', '--socket', control.path], Readable.from([padded, 'X\n']))).toEqual({
      status: 2,
      stdout: '',
      stderr: 'break-glass: malformed token: expected 43 characters of base64url\n',
    });
    expect(store.lookup(token).ok).toBe(true);
    // The same line ended right after the token is the token.
    expect(await run(['revoke', '--socket', control.path], Readable.from([padded, '\nX\n']))).toMatchObject({ status: 0 });
    expect(store.lookup(token).ok).toBe(false);
  });

  it('takes the token from the argument without reading standard input or prompting', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    const stdin = Readable.from(['not read\n']) as Readable & { isTTY?: boolean };
    stdin.isTTY = true;
    expect(await run(['revoke', encodeToken(token), '--socket', control.path], stdin)).toEqual({
      status: 0,
      stdout: 'Revoked: the token no longer opens anything.\n',
      stderr: '',
    });
  });
});

describe('what it leaves to its caller', () => {
  it('leaves no listener on standard input once it has read the token, and the rest of the input unread', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    const stdin = new Readable({ read() {} });
    stdin.push(`${encodeToken(token)}\n`);
    const running = run(['revoke', '--socket', control.path], stdin);
    const result = await running;
    expect(result.status).toBe(0);
    expect(['data', 'end', 'error'].map((event) => stdin.listenerCount(event))).toEqual([0, 0, 0]);
    expect(stdin.isPaused()).toBe(true);
    // What comes after is the caller's to read.
    stdin.push('rest\n');
    stdin.push(null);
    let rest = '';
    for await (const chunk of stdin) rest += String(chunk);
    expect(rest).toBe('rest\n');
  });

  it('writes nothing at all to the stream it has nothing for', async () => {
    const control = await openTestSocket(store);
    const writes: Array<[string, string]> = [];
    const io: CliIo = {
      stdout: { write: (text: string) => writes.push(['stdout', text]) },
      stderr: { write: (text: string) => writes.push(['stderr', text]) },
      stdin: Readable.from([]),
      env: {},
      now: Date.now,
    };
    expect(await runCli(['clear', '--socket', control.path], io)).toBe(0);
    await store.stop();
    expect(await runCli(['clear', '--socket', control.path], io)).toBe(5);
    expect(writes).toEqual([
      ['stdout', 'Cleared: no token is active now.\n'],
      ['stderr', `break-glass: no token store named '${store.name}' is running\n`],
    ]);
  });
});

describe('a socket that does not answer', () => {
  it('exits 3 for a socket file nothing listens on any more', async () => {
    const stale = await staleSocket();
    expect(await run(['status', '--socket', stale])).toEqual({
      status: 3,
      stdout: '',
      stderr: `break-glass: no break-glass service answers at ${stale} (not listening)\n`,
    });
  });

  it('exits 4 when the connection is refused for want of permission', async () => {
    // Root is never refused by file permissions, so the refusal itself is staged.
    jest.spyOn(client, 'sendControlRequest').mockRejectedValue(new ControlUnreachableError('/run/bg.sock', 'permission_denied'));
    expect(await run(['status', '--json', '--socket', '/run/bg.sock'])).toEqual({
      status: 4,
      stdout: json({
        ok: false,
        command: 'status',
        error: { code: 'ERR_CONTROL_UNREACHABLE', message: 'no break-glass service answers at /run/bg.sock (permission denied)' },
      }),
      stderr: '',
    });
  });
});

describe('a failure that is not the library\'s own', () => {
  it('exits 1 with ERR_CONTROL_INTERNAL and the error\'s message', async () => {
    jest.spyOn(client, 'sendControlRequest').mockRejectedValue(new TypeError('something broke'));
    expect(await run(['clear', '--json', '--socket', '/run/bg.sock'])).toEqual({
      status: 1,
      stdout: json({ ok: false, command: 'clear', error: { code: 'ERR_CONTROL_INTERNAL', message: 'something broke' } }),
      stderr: '',
    });
    expect(await run(['clear', '--socket', '/run/bg.sock'])).toEqual({ status: 1, stdout: '', stderr: 'break-glass: something broke\n' });
  });

  it('exits 1 with a fixed message for a rejection that is not an Error', async () => {
    jest.spyOn(client, 'sendControlRequest').mockRejectedValue('down');
    expect(await run(['status', '--json', '--socket', '/run/bg.sock'])).toEqual({
      status: 1,
      stdout: json({ ok: false, command: 'status', error: { code: 'ERR_CONTROL_INTERNAL', message: 'the request failed' } }),
      stderr: '',
    });
  });

  it('passes the --timeout it was given, and no timeout without one', async () => {
    const send = jest.spyOn(client, 'sendControlRequest').mockResolvedValue({ ok: true, command: 'clear' });
    expect(await run(['clear', '--socket', '/run/bg.sock', '--timeout', '250'])).toEqual({
      status: 0,
      stdout: 'Cleared: no token is active now.\n',
      stderr: '',
    });
    await run(['clear', '--socket', '/run/bg.sock']);
    expect(send.mock.calls).toEqual([
      ['/run/bg.sock', { command: 'clear' }, { timeoutMs: 250 }],
      ['/run/bg.sock', { command: 'clear' }, { timeoutMs: undefined }],
    ]);
  });
});
