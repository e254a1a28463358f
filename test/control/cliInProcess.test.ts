import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeToken, encodeToken, startLink, type TokenStoreHandle } from '../../src';
import { parseArguments, USAGE } from '../../src/cli/args';
import { failureStatus, renderText } from '../../src/cli/render';
import { runCli, type CliIo } from '../../src/cli/run';
import { cleanUp, openTestSocket, privateDirectory } from './harness';

// The same command as cli.test.ts, run in this process with in-memory streams: every
// outcome the command can print, checked word for word where an operator reads it.
// (cli.test.ts runs the real executable; this file is what catches a changed line of the CLI.)

let store: TokenStoreHandle;
let storeCount = 0;
const servers: Server[] = [];
const connections: Socket[] = [];

beforeEach(() => {
  store = startLink({ name: `control-cli-in-process-${(storeCount += 1)}` });
});

afterEach(async () => {
  // A server closes only once its connections have: end them first rather than wait on the peer.
  for (const socket of connections.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await cleanUp();
  await store.stop();
});

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command in this process; `stdin` is what the operator pastes, `tty` says whether it comes from a terminal. */
async function run(
  argv: readonly string[],
  options: { stdin?: readonly string[]; tty?: boolean; env?: NodeJS.ProcessEnv; now?: () => number } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin ?? [], { objectMode: false }) as Readable & { isTTY?: boolean };
  if (options.tty !== undefined) stdin.isTTY = options.tty;
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    env: options.env ?? {},
    now: options.now ?? Date.now,
  };
  const status = await runCli(argv, io);
  return { status, stdout, stderr };
}

/** A listening socket that answers every request with `answer`, as something other than a break-glass service might. */
async function impostor(answer: string): Promise<string> {
  const path = join(privateDirectory(), 'impostor.sock');
  const server = createServer((socket) => {
    connections.push(socket);
    socket.end(answer);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

describe('parseArguments()', () => {
  it('reads options before or after the command, as --name value or --name=value', () => {
    const expected = { command: 'status', socketPath: '/s', json: true, url: 'http://x/admin', token: undefined, timeoutMs: 250 };
    expect(parseArguments(['--json', '--socket', '/s', 'status', '--url=http://x/admin', '--timeout', '250'], {})).toEqual({
      kind: 'run',
      args: expected,
    });
    expect(parseArguments(['status', '--socket=/s', '--json', '--timeout=250', '--url', 'http://x/admin'], {})).toEqual({
      kind: 'run',
      args: expected,
    });
  });

  it('takes the socket from BREAK_GLASS_SOCKET when --socket is absent, and --socket over it', () => {
    expect(parseArguments(['clear'], { BREAK_GLASS_SOCKET: '/env' })).toEqual({
      kind: 'run',
      args: { command: 'clear', socketPath: '/env', json: false, url: undefined, token: undefined, timeoutMs: undefined },
    });
    expect(parseArguments(['clear', '--socket', '/flag'], { BREAK_GLASS_SOCKET: '/env' })).toMatchObject({
      args: { socketPath: '/flag' },
    });
  });

  it('answers help for -h or --help anywhere, even after a mistake', () => {
    expect(parseArguments(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseArguments(['frobnicate', '--help'], {})).toEqual({ kind: 'help' });
  });

  it('keeps a revoke token that begins with "--" as the token, and reads "-" as standard input', () => {
    const dashed = `--${'A'.repeat(41)}`;
    expect(parseArguments(['revoke', dashed, '--socket', '/s'], {})).toMatchObject({ kind: 'run', args: { token: dashed } });
    expect(parseArguments(['revoke', '-', '--socket', '/s'], {})).toMatchObject({ kind: 'run', args: { token: undefined } });
    // One character short of a token, it is an option again, and an unknown one.
    expect(parseArguments(['revoke', `--${'A'.repeat(40)}`, '--socket', '/s'], {})).toEqual({
      kind: 'usage',
      problem: `unknown option --${'A'.repeat(40)}`,
    });
  });

  it.each([
    [[], {}, 'no command given'],
    [['frobnicate', '--socket', '/s'], {}, "unknown command 'frobnicate'"],
    [['status', '--colour', '--socket', '/s'], {}, 'unknown option --colour'],
    [['status', '--colour=red', '--socket', '/s'], {}, 'unknown option --colour'],
    [['status', '--socket'], {}, '--socket needs a value'],
    [['status', '--socket='], {}, '--socket needs a value'],
    [['issue', 'extra', '--socket', '/s'], {}, 'too many arguments for issue'],
    [['revoke', 'a', 'b', '--socket', '/s'], {}, 'too many arguments for revoke'],
    [['status'], {}, 'no socket: pass --socket PATH or set BREAK_GLASS_SOCKET'],
    [['status'], { BREAK_GLASS_SOCKET: '' }, 'no socket: pass --socket PATH or set BREAK_GLASS_SOCKET'],
    [['status', '--socket', '/s', '--timeout', 'soon'], {}, '--timeout must be a positive whole number of milliseconds'],
    [['status', '--socket', '/s', '--timeout', '0'], {}, '--timeout must be a positive whole number of milliseconds'],
    [['status', '--socket', '/s', '--timeout', '1.5'], {}, '--timeout must be a positive whole number of milliseconds'],
  ])('refuses %j with the problem named', (argv, env, problem) => {
    expect(parseArguments(argv, env)).toEqual({ kind: 'usage', problem });
  });

  it('accepts "--" alone as a positional argument, not as an option', () => {
    expect(parseArguments(['--', '--socket', '/s'], {})).toEqual({ kind: 'usage', problem: "unknown command '--'" });
  });
});

describe('failureStatus()', () => {
  it.each([
    ['ERR_CONTROL_MALFORMED', 2],
    ['ERR_CONTROL_OVERSIZED', 2],
    ['ERR_CONTROL_UNKNOWN_COMMAND', 2],
    ['ERR_TOKEN_MALFORMED', 2],
    ['ERR_CONTROL_REFUSED', 4],
    ['ERR_NOT_RUNNING', 5],
    ['ERR_STORE_EXITED', 5],
    ['ERR_CALL_TIMEOUT', 5],
    ['ERR_CONTROL_INTERNAL', 1],
  ])('exits with the status a script can tell apart for %s', (code, status) => {
    expect(failureStatus({ ok: false, command: 'status', error: { code, message: 'm' } } as never)).toBe(status);
  });
});

describe('renderText()', () => {
  const context = { socketPath: '/run/bg.sock', url: undefined, now: () => Date.parse('2026-01-01T00:01:05.900Z') };

  it('prints an issued token twice only (the token line and the curl line), with a revoke hint', () => {
    const token = 'T'.repeat(43);
    const rendered = renderText(
      { ok: true, command: 'issue', token, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z', url: 'http://h/admin' },
      context,
    );
    expect(rendered).toEqual({
      status: 0,
      stderr: '',
      stdout: [
        'Break-glass token (shown once; it is kept nowhere else):',
        `  ${token}`,
        '',
        'Fingerprint 0123456789abcdef, issued 2026-01-01T00:00:00.000Z.',
        'Use it:',
        `  curl -H 'Authorization: Bearer ${token}' http://h/admin`,
        'Revoke it when done (paste the token when asked):',
        '  break-glass revoke --socket /run/bg.sock',
        '',
      ].join('\n'),
    });
  });

  it("prefers --url over the service's URL, and shows a placeholder when neither is known", () => {
    const issued = { ok: true, command: 'issue', token: 'T'.repeat(43), fingerprint: 'f', insertedAt: 'i' } as const;
    expect(renderText({ ...issued, url: 'http://service/admin' }, { ...context, url: 'http://mine/admin' }).stdout).toContain(
      `${'T'.repeat(43)}' http://mine/admin\n`,
    );
    expect(renderText(issued, context).stdout).toContain(`${'T'.repeat(43)}' <service-url>\n`);
  });

  it('quotes a socket path for the shell only when it needs quoting', () => {
    const issued = { ok: true, command: 'issue', token: 'T'.repeat(43), fingerprint: 'f', insertedAt: 'i' } as const;
    expect(renderText(issued, { ...context, socketPath: '/tmp/a b/it\'s.sock' }).stdout).toContain(
      "  break-glass revoke --socket '/tmp/a b/it'\\''s.sock'\n",
    );
    expect(renderText(issued, { ...context, socketPath: '/tmp/plain_dir-1/x.sock' }).stdout).toContain(
      '  break-glass revoke --socket /tmp/plain_dir-1/x.sock\n',
    );
  });

  it('shows the age of the active token in whole seconds, never negative', () => {
    const status = { ok: true, command: 'status', active: true, fingerprint: 'abc', insertedAt: '2026-01-01T00:00:00.000Z' } as const;
    expect(renderText(status, context)).toEqual({
      status: 0,
      stderr: '',
      stdout: 'A token is active: fingerprint abc, issued 2026-01-01T00:00:00.000Z (65 s ago).\n',
    });
    // A clock behind the service's (another host's time, a step back) shows 0 s rather than a negative age.
    expect(renderText(status, { ...context, now: () => Date.parse('2025-12-31T23:59:00.000Z') }).stdout).toContain('(0 s ago)');
  });

  it('says so when no token is active, and confirms revoke and clear', () => {
    expect(renderText({ ok: true, command: 'status', active: false } as never, context)).toEqual({
      status: 0,
      stderr: '',
      stdout: 'No token is active.\n',
    });
    expect(renderText({ ok: true, command: 'revoke' } as never, context)).toEqual({
      status: 0,
      stderr: '',
      stdout: 'Revoked: the token no longer opens anything.\n',
    });
    expect(renderText({ ok: true, command: 'clear' } as never, context)).toEqual({
      status: 0,
      stderr: '',
      stdout: 'Cleared: no token is active now.\n',
    });
  });

  it("prints a failure's message on stderr with the matching status", () => {
    expect(renderText({ ok: false, command: 'revoke', error: { code: 'ERR_CONTROL_REFUSED', message: 'no' } } as never, context)).toEqual({
      status: 4,
      stdout: '',
      stderr: 'break-glass: no\n',
    });
  });
});

describe('runCli()', () => {
  it('prints the usage text on stdout for --help and exits 0, on stderr after a problem and exits 2', async () => {
    expect(await run(['--help'])).toEqual({ status: 0, stdout: USAGE, stderr: '' });
    expect(await run(['status'])).toEqual({
      status: 2,
      stdout: '',
      stderr: `break-glass: no socket: pass --socket PATH or set BREAK_GLASS_SOCKET\n\n${USAGE}`,
    });
  });

  it('issues a token that the store recognises, printed with the socket in the revoke hint', async () => {
    const control = await openTestSocket(store, { serviceUrl: 'http://127.0.0.1:1/admin' });
    const result = await run(['issue', '--socket', control.path]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const text = /^ {2}([A-Za-z0-9_-]{43})$/m.exec(result.stdout)?.[1] as string;
    expect(store.lookup(decodeToken(text)).ok).toBe(true);
    expect(result.stdout).toContain(`curl -H 'Authorization: Bearer ${text}' http://127.0.0.1:1/admin\n`);
    expect(result.stdout).toContain(`break-glass revoke --socket ${control.path}\n`);
  });

  it('prints the response as one JSON line with --json, the socket taken from the environment', async () => {
    const control = await openTestSocket(store);
    const result = await run(['status', '--json'], { env: { BREAK_GLASS_SOCKET: control.path } });
    expect(result).toEqual({ status: 0, stdout: `${JSON.stringify({ ok: true, command: 'status', active: false })}\n`, stderr: '' });
  });

  it('exits with the failure status in --json mode too, the failure printed as JSON', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    const other = encodeToken(Buffer.from(token).map((byte) => byte ^ 0xff));
    const result = await run(['revoke', other, '--json', '--socket', control.path]);
    expect(result.status).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, command: 'revoke', error: { code: 'ERR_CONTROL_REFUSED' } });
    expect(store.lookup(token).ok).toBe(true);
  });

  it('revokes the first line read from standard input, prompting only at a terminal', async () => {
    const token = await store.buildAndStore();
    const control = await openTestSocket(store);
    // The token arrives in two chunks, and a second line follows that is not read as part of it.
    const text = encodeToken(token);
    const result = await run(['revoke', '--socket', control.path], { stdin: [text.slice(0, 20), `${text.slice(20)}  \nnext line\n`], tty: true });
    expect(result).toEqual({ status: 0, stdout: 'Revoked: the token no longer opens anything.\n', stderr: 'Token to revoke: ' });
    expect(store.lookup(token).ok).toBe(false);

    const again = await store.buildAndStore();
    const piped = await run(['revoke', '-', '--socket', control.path], { stdin: [encodeToken(again)], tty: false });
    expect(piped).toEqual({ status: 0, stdout: 'Revoked: the token no longer opens anything.\n', stderr: '' });
    expect(store.lookup(again).ok).toBe(false);
  });

  it('stops reading standard input after 1024 characters without a newline and refuses it as malformed', async () => {
    const control = await openTestSocket(store);
    const token = await store.buildAndStore();
    // An endless stream: the command must stop reading on its own, or this test never ends.
    const endless = new Readable({ read() { this.push('A'.repeat(600)); } });
    let stderr = '';
    const status = await runCli(['revoke', '--socket', control.path], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: endless,
      env: {},
      now: Date.now,
    });
    endless.destroy();
    expect(status).toBe(2);
    expect(stderr).toBe('break-glass: malformed token: expected 43 characters of base64url\n');
    expect(store.lookup(token).ok).toBe(true);
  });

  it('refuses a malformed token before contacting the service, without echoing it', async () => {
    const result = await run(['revoke', '--json', '--socket', join(privateDirectory(), 'nobody.sock')], { stdin: ['not-a-token-at-all\n'] });
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      command: 'revoke',
      error: { code: 'ERR_TOKEN_MALFORMED', message: 'malformed token: expected 43 characters of base64url' },
    });
    expect(result.stdout).not.toContain('not-a-token-at-all');
  });

  it('exits 3 when nothing listens at the socket path, in text and in JSON', async () => {
    const path = join(privateDirectory(), 'nobody.sock');
    const text = await run(['status', '--socket', path]);
    expect(text).toEqual({ status: 3, stdout: '', stderr: `break-glass: no break-glass service answers at ${path} (no socket)\n` });
    const json = await run(['status', '--json', '--socket', path]);
    expect(json.status).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      command: 'status',
      error: { code: 'ERR_CONTROL_UNREACHABLE', message: `no break-glass service answers at ${path} (no socket)` },
    });
  });

  it('exits 1 when something that is not a break-glass service answers', async () => {
    const path = await impostor('HTTP/1.1 400 Bad Request\n');
    const result = await run(['status', '--socket', path]);
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr: `break-glass: the service at ${path} did not answer with a control response\n`,
    });
  });

  it('exits 5 when the service answers but its store is not running', async () => {
    const control = await openTestSocket(store);
    await store.stop();
    const result = await run(['issue', '--socket', control.path]);
    expect(result.status).toBe(5);
    expect(result.stdout).toBe('');
  });
});
