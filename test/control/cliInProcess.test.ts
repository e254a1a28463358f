import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeToken, encodeToken, sendControlRequest, startLink, type ControlRequest, type TokenStoreHandle } from '../../src';
import { parseArguments, USAGE } from '../../src/cli/args';
import { failureStatus, renderText } from '../../src/cli/render';
import { runCli, type CliIo } from '../../src/cli/run';
import { cleanUp, fakeService, openTestSocket, privateDirectory, serve } from './harness';

// The same command as cli.test.ts, run in this process with in-memory streams: every
// outcome the command can print, checked word for word where an operator reads it.
// (cli.test.ts runs the real executable; this file is what catches a changed line of the CLI.)

let store: TokenStoreHandle;
let storeCount = 0;

beforeEach(() => {
  store = startLink({ name: `control-cli-in-process-${(storeCount += 1)}` });
});

afterEach(async () => {
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
  await serve(path, (socket) => socket.end(answer));
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
  ])('refuses %j (environment %j) with the problem named', (argv, env, problem) => {
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
  const context = {
    socketPath: '/run/bg.sock',
    url: undefined,
    now: () => Date.parse('2026-01-01T00:01:05.900Z'),
    invocation: 'break-glass',
  };

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

  it("prints a failure's message as one line without control characters, since the service chose it", () => {
    const message = 'line one\nline two \u001b]0;pwned\u0007 \u009b31m end';
    expect(renderText({ ok: false, command: 'status', error: { code: 'ERR_CONTROL_INTERNAL', message } }, context).stderr).toBe(
      'break-glass: line one line two  ]0;pwned   31m end\n',
    );
  });

  it('writes the revoke hint with the invocation it is given', () => {
    const issued = { ok: true, command: 'issue', token: 'T'.repeat(43), fingerprint: 'f', insertedAt: 'i' } as const;
    expect(renderText(issued, { ...context, invocation: 'npm run break-glass --' }).stdout).toContain(
      '\n  npm run break-glass -- revoke --socket /run/bg.sock\n',
    );
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
      stderr: `break-glass: the service at ${path} did not answer with a control response (the answer is not JSON)\n`,
    });
  });

  it('exits 5 when the service answers but its store is not running', async () => {
    const control = await openTestSocket(store);
    await store.stop();
    const result = await run(['issue', '--socket', control.path]);
    expect(result.status).toBe(5);
    expect(result.stdout).toBe('');
  });

  it('tells npm and npx users the revoke command they can run, from the environment it is given', async () => {
    const control = await openTestSocket(store);
    const hint = async (env: NodeJS.ProcessEnv) => (await run(['issue', '--socket', control.path], { env })).stdout.split('\n').at(-2);
    expect(await hint({ npm_lifecycle_event: 'break-glass' })).toBe(`  npm run break-glass -- revoke --socket ${control.path}`);
    expect(await hint({ npm_lifecycle_event: 'npx' })).toBe(`  npx break-glass revoke --socket ${control.path}`);
    // Another npm script that happens to run the command, or none: the installed name.
    expect(await hint({ npm_lifecycle_event: 'test' })).toBe(`  break-glass revoke --socket ${control.path}`);
    expect(await hint({})).toBe(`  break-glass revoke --socket ${control.path}`);
  });
});

describe('runCli() with --json and a command line it cannot read', () => {
  it.each([
    [['status', '--json'], 'no socket: pass --socket PATH or set BREAK_GLASS_SOCKET'],
    [['status', '--bogus', '--json'], 'unknown option --bogus'],
    [['--json', 'frobnicate', '--socket', '/s'], "unknown command 'frobnicate'"],
    [['issue', 'extra', '--socket', '/s', '--json'], 'too many arguments for issue'],
    [['status', '--json', '--socket', '/s', '--timeout', '0'], '--timeout must be a positive whole number of milliseconds'],
  ])('prints %j as one JSON error line on stdout and exits 2', async (argv, problem) => {
    const result = await run(argv);
    expect(result).toEqual({
      status: 2,
      stdout: `${JSON.stringify({ ok: false, command: null, error: { code: 'ERR_CONTROL_USAGE', message: problem } })}\n`,
      stderr: '',
    });
  });

  it('still prints the usage text for the same mistake without --json', async () => {
    expect(await run(['status', '--bogus', '--socket', '/s'])).toEqual({
      status: 2,
      stdout: '',
      stderr: `break-glass: unknown option --bogus\n\n${USAGE}`,
    });
  });
});

describe('runCli() against a service that takes the request and does not answer in time', () => {
  it('exits 1 with ERR_CONTROL_TIMEOUT, saying the request may have been carried out, not that nothing listens', async () => {
    const silent = await fakeService(() => undefined);
    const json = await run(['issue', '--timeout', '50', '--json', '--socket', silent.path]);
    expect(await silent.firstRequest).toBe('{"command":"issue"}');
    const message =
      `the service at ${silent.path} accepted the connection but did not answer issue within 50 ms; ` +
      'the request may have been carried out: check with status';
    expect(json).toEqual({
      status: 1,
      stdout: `${JSON.stringify({ ok: false, command: 'issue', error: { code: 'ERR_CONTROL_TIMEOUT', message } })}\n`,
      stderr: '',
    });
    expect(await run(['issue', '--timeout', '50', '--socket', silent.path])).toEqual({ status: 1, stdout: '', stderr: `break-glass: ${message}\n` });
  });

  it('exits 1 with ERR_CONTROL_TIMEOUT for the --timeout 1 of the report, sent or not', async () => {
    const silent = await fakeService(() => undefined);
    const result = await run(['issue', '--timeout', '1', '--json', '--socket', silent.path]);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, command: 'issue', error: { code: 'ERR_CONTROL_TIMEOUT' } });
  });

  it('reports the timeout of an issue that did replace the token as such', async () => {
    // A relay that passes the request to the real service and withholds the answer: the write happens, the answer is late.
    const control = await openTestSocket(store);
    const old = await store.buildAndStore();
    let forwarded: Promise<unknown> = Promise.resolve();
    const relay = await fakeService((line) => {
      forwarded = sendControlRequest(control.path, JSON.parse(line) as ControlRequest);
      return undefined;
    });
    const result = await run(['issue', '--timeout', '50', '--json', '--socket', relay.path]);
    const issued = (await forwarded) as { ok: boolean; token: string };
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_CONTROL_TIMEOUT' } });
    expect(store.lookup(old).ok).toBe(false);
    expect(store.lookup(decodeToken(issued.token)).ok).toBe(true);
  });
});

describe('runCli() against a socket whose answers are not valid responses to the request', () => {
  const token = encodeToken(Buffer.alloc(32, 9));
  const issued = { ok: true, command: 'issue', token, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };
  const active = { ok: true, command: 'status', active: true, fingerprint: '0123456789abcdef', insertedAt: '2026-01-01T00:00:00.000Z' };
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;

  it.each([
    // The answers of the report, one by one.
    ['status', '{"ok":false}\n', 'the failure has no "error" object'],
    ['status', '{"ok":true}\n', 'the answer names no command'],
    ['issue', '{"ok":true,"command":"status"}\n', 'the answer is for another command than issue'],
    ['issue', '{"ok":true,"command":"issue"}\n', 'the answer to issue has no valid token'],
    ['status', '{"ok":true,"command":"status","active":true}\n', 'the answer to status has no valid fingerprint'],
    // Not an object, or no "ok".
    ['status', 'null\n', 'the answer is not a JSON object'],
    ['status', '[{"ok":true,"command":"status","active":false}]\n', 'the answer is not a JSON object'],
    ['status', '{"command":"status","active":false}\n', 'the answer has no boolean "ok"'],
    ['status', '{"ok":"true","command":"status","active":false}\n', 'the answer has no boolean "ok"'],
    ['status', '{"ok":true,"command":"status","active":false,}\n', 'the answer is not JSON'],
    // issue: the token, its fingerprint, its time, its url.
    ['issue', line({ ...issued, token: token.slice(1) }), 'the answer to issue has no valid token'],
    ['issue', line({ ...issued, token: `${token.slice(0, 42)}B` }), 'the answer to issue has no valid token'],
    ['issue', line({ ...issued, token: `${token.slice(0, 42)}+` }), 'the answer to issue has no valid token'],
    ['issue', line({ ...issued, token: [token] }), 'the answer to issue has no valid token'],
    ['issue', line({ ...issued, fingerprint: undefined }), 'the answer to issue has no valid fingerprint'],
    ['issue', line({ ...issued, fingerprint: 12345678 }), 'the answer to issue has no valid fingerprint'],
    ['issue', line({ ...issued, fingerprint: '0123456789ABCDEF' }), 'the answer to issue has no valid fingerprint'],
    ['issue', line({ ...issued, insertedAt: undefined }), 'the answer to issue has no valid insertedAt time'],
    ['issue', line({ ...issued, insertedAt: 'yesterday' }), 'the answer to issue has no valid insertedAt time'],
    ['issue', line({ ...issued, insertedAt: '2026-02-30T00:00:00.000Z' }), 'the answer to issue has no valid insertedAt time'],
    ['issue', line({ ...issued, insertedAt: Date.parse('2026-01-01T00:00:00.000Z') }), 'the answer to issue has no valid insertedAt time'],
    ['issue', line({ ...issued, url: 42 }), 'the url in the answer to issue is not a string'],
    // status: "active", then what an active token needs.
    ['status', line({ ok: true, command: 'status' }), 'the answer to status has no boolean "active"'],
    ['status', line({ ok: true, command: 'status', active: 'yes' }), 'the answer to status has no boolean "active"'],
    ['status', line({ ...active, fingerprint: null }), 'the answer to status has no valid fingerprint'],
    ['status', line({ ...active, insertedAt: '2026-01-01' }), 'the answer to status has no valid insertedAt time'],
    // revoke and clear: the command must match.
    ['clear', line({ ok: true, command: 'revoke' }), 'the answer is for another command than clear'],
    ['clear', line({ ok: true, command: 'toString' }), 'the answer is for another command than clear'],
    // Failures: their own shape, and for this command.
    ['status', line({ ok: false, command: 'status', error: 'ERR_NOT_RUNNING' }), 'the failure has no "error" object'],
    ['status', line({ ok: false, error: { code: 'ERR_NOT_RUNNING', message: 'down' } }), 'the failure names no command'],
    ['status', line({ ok: false, command: 'issue', error: { code: 'ERR_NOT_RUNNING', message: 'down' } }), 'the failure is for another command than status'],
    ['status', line({ ok: false, command: 'status', error: { message: 'down' } }), 'the failure has no valid error code'],
    ['status', line({ ok: false, command: 'status', error: { code: 'not_running', message: 'down' } }), 'the failure has no valid error code'],
    ['status', line({ ok: false, command: 'status', error: { code: 'ERR_NOT_RUNNING' } }), 'the failure has no error message'],
    ['status', line({ ok: false, command: 'status', error: { code: 'ERR_NOT_RUNNING', message: 7 } }), 'the failure has no error message'],
  ])('refuses an answer to %s of %j: exit 1, ERR_CONTROL_PROTOCOL, one line saying why', async (command, answer, problem) => {
    const fake = await fakeService(() => answer);
    const argv = command === 'revoke' ? ['revoke', token] : [command];
    const message = `the service at ${fake.path} did not answer with a control response (${problem})`;
    expect(await run([...argv, '--socket', fake.path])).toEqual({ status: 1, stdout: '', stderr: `break-glass: ${message}\n` });
    expect(await run([...argv, '--json', '--socket', fake.path])).toEqual({
      status: 1,
      stdout: line({ ok: false, command, error: { code: 'ERR_CONTROL_PROTOCOL', message } }),
      stderr: '',
    });
  });

  it('exits 1, not 3, when something takes the connection and hangs up without an answer', async () => {
    const path = await impostor('');
    expect(await run(['status', '--socket', path])).toEqual({
      status: 1,
      stdout: '',
      stderr: `break-glass: the service at ${path} did not answer with a control response (the connection closed without an answer)\n`,
    });
  });

  it('never quotes the answer in its message, even a token in it', async () => {
    const fake = await fakeService(() => line({ ...issued, command: 'status' }));
    const result = await run(['revoke', token, '--socket', fake.path]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the answer is for another command than revoke');
    expect(result.stderr).not.toContain(token);
  });

  it('accepts valid answers, and prints with --json only the fields it checked', async () => {
    const answers: Record<string, unknown> = {
      issue: { ...issued, url: 'http://h/admin', extra: 'dropped' },
      status: { ...active, token },
      revoke: { ok: true, command: 'revoke', active: true },
      clear: { ok: true, command: 'clear', error: { code: 'ERR_X', message: 'x' } },
    };
    const fake = await fakeService((request) => line(answers[(JSON.parse(request) as { command: string }).command]));
    const printed = async (argv: string[]) => {
      const result = await run([...argv, '--json', '--socket', fake.path]);
      expect(result).toMatchObject({ status: 0, stderr: '' });
      return JSON.parse(result.stdout) as unknown;
    };
    expect(await printed(['issue'])).toEqual({ ...issued, url: 'http://h/admin' });
    expect(await printed(['status'])).toEqual(active);
    expect(await printed(['revoke', token])).toEqual({ ok: true, command: 'revoke' });
    expect(await printed(['clear'])).toEqual({ ok: true, command: 'clear' });
    const text = await run(['issue', '--socket', fake.path]);
    expect(text.stdout).toContain(`\n  ${token}\n`);
    expect(text.stdout).toContain('Fingerprint 0123456789abcdef, issued 2026-01-01T00:00:00.000Z.');
  });

  it("passes on a valid failure, from this command or from a request the service could not read, with the service's code", async () => {
    const fake = await fakeService(() => line({ ok: false, command: null, error: { code: 'ERR_CONTROL_OVERSIZED', message: 'too long' } }));
    expect(await run(['status', '--socket', fake.path])).toEqual({ status: 2, stdout: '', stderr: 'break-glass: too long\n' });
    // A code this client does not know yet, from a newer service, is a failure like any other.
    const newer = await fakeService(() => line({ ok: false, command: 'issue', error: { code: 'ERR_SOMETHING_NEW', message: 'later' } }));
    expect(await run(['issue', '--json', '--socket', newer.path])).toEqual({
      status: 1,
      stdout: line({ ok: false, command: 'issue', error: { code: 'ERR_SOMETHING_NEW', message: 'later' } }),
      stderr: '',
    });
  });
});
