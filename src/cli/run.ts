import { sendControlRequest } from '../control/client';
import type { ControlRequest, ControlResponse } from '../control/protocol';
import { BreakGlassError, ControlSocketError, ControlUnreachableError } from '../errors';
import { decodeToken } from '../token';
import { parseArguments, USAGE, type CliArguments } from './args';
import { EXIT, type ExitStatus } from './exitCodes';
import { failureStatus, renderText } from './render';

/** What the CLI reads and writes; the real process streams in `main.ts`, anything alike elsewhere. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** `BREAK_GLASS_SOCKET`, and `npm_lifecycle_event` to tell how the operator runs this command. */
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

/** The code of a command line the CLI could not read, in `--json` output; it never comes from a service. */
export const USAGE_ERROR_CODE = 'ERR_CONTROL_USAGE';

// A token is 43 characters; anything far longer on stdin is not one, and need not be read to the end.
const MAX_TOKEN_INPUT = 1024;

/**
 * Runs `break-glass` with `argv` (the arguments after the script) and answers
 * its exit status. Never throws: every outcome is a message and a status.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitStatus> {
  const parsed = parseArguments(argv, io.env);
  if (parsed.kind === 'help') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === 'usage') {
    // A script that asked for JSON parses stdout whatever went wrong, so --json counts even on a line that is otherwise wrong.
    if (argv.includes('--json')) {
      writeJson(io, { ok: false, command: null, error: { code: USAGE_ERROR_CODE, message: parsed.problem } });
    } else {
      io.stderr.write(`break-glass: ${parsed.problem}\n\n${USAGE}`);
    }
    return EXIT.badInput;
  }
  const { args } = parsed;
  let request: ControlRequest;
  try {
    request = await buildRequest(args, io);
  } catch (error) {
    // decodeToken's message never repeats the text it was given.
    const message = error instanceof BreakGlassError ? error.message : 'the token could not be read';
    return report(args, io, { ok: false, command: args.command, error: { code: 'ERR_TOKEN_MALFORMED', message } });
  }

  let response: ControlResponse;
  try {
    response = await sendControlRequest(args.socketPath, request, { timeoutMs: args.timeoutMs });
  } catch (error) {
    const code = error instanceof BreakGlassError ? error.code : 'ERR_CONTROL_INTERNAL';
    const message = error instanceof Error ? error.message : 'the request failed';
    if (args.json) writeJson(io, { ok: false, command: args.command, error: { code, message } });
    else io.stderr.write(`break-glass: ${message}\n`);
    return requestFailureStatus(error);
  }
  return report(args, io, response);
}

/** A timeout or a wrong answer is 1, not 3: something holds the socket, and may have carried the request out. */
function requestFailureStatus(error: unknown): ExitStatus {
  if (error instanceof ControlSocketError) return EXIT.refused;
  if (!(error instanceof ControlUnreachableError)) return EXIT.failed;
  return error.reason === 'permission_denied' ? EXIT.refused : EXIT.noService;
}

/** How the operator runs this command again: through npm from a source checkout, through npx, or as the installed bin. */
function invocation(env: NodeJS.ProcessEnv): string {
  if (env.npm_lifecycle_event === 'break-glass') return 'npm run break-glass --';
  if (env.npm_lifecycle_event === 'npx') return 'npx break-glass';
  return 'break-glass';
}

function writeJson(io: CliIo, value: object): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

function report(args: CliArguments, io: CliIo, response: ControlResponse): ExitStatus {
  if (args.json) {
    writeJson(io, response);
    return response.ok ? EXIT.ok : failureStatus(response);
  }
  const rendered = renderText(response, {
    socketPath: args.socketPath,
    url: args.url,
    now: io.now,
    invocation: invocation(io.env),
  });
  if (rendered.stdout !== '') io.stdout.write(rendered.stdout);
  if (rendered.stderr !== '') io.stderr.write(rendered.stderr);
  return rendered.status;
}

async function buildRequest(args: CliArguments, io: CliIo): Promise<ControlRequest> {
  if (args.command !== 'revoke') return { command: args.command };
  let text = args.token;
  if (text === undefined) {
    if (io.stdin.isTTY === true) io.stderr.write('Token to revoke: ');
    text = (await readFirstLine(io.stdin)).trim();
  }
  // Checked here so a typo is reported without a round trip; the service checks again.
  decodeToken(text).fill(0);
  return { command: 'revoke', token: text };
}

function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.off('error', reject);
      input.pause();
      const newline = text.indexOf('\n');
      resolve(newline === -1 ? text : text.slice(0, newline));
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n') || text.length > MAX_TOKEN_INPUT) finish();
    };
    input.on('data', onData);
    input.once('end', finish);
    input.once('error', reject);
  });
}
