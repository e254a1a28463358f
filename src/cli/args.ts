import type { ControlCommand } from '../control/protocol';

/** A command line the CLI understood. */
export interface CliArguments {
  readonly command: ControlCommand;
  readonly socketPath: string;
  readonly json: boolean;
  /** Overrides the URL the service gives for the `curl` line of `issue`. */
  readonly url: string | undefined;
  /** `revoke` only: the token given as an argument, or undefined to read it from standard input. */
  readonly token: string | undefined;
  readonly timeoutMs: number | undefined;
}

/** What the CLI makes of its arguments: a request to send, a plea for help, or a usage mistake. */
export type ParsedArguments =
  | { readonly kind: 'run'; readonly args: CliArguments }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage'; readonly problem: string };

/** The help text. */
export const USAGE = `usage: break-glass <issue|status|revoke|clear> [--socket PATH] [--json]

Talks to the control socket of a running break-glass service on this host.

  issue            build a fresh token, replacing the active one, and print it once
  status           whether a token is active, since when, and its fingerprint
  revoke [TOKEN]   revoke TOKEN if it is the active one; without TOKEN (or with -)
                   the token is read from standard input, which keeps it out of ps
  clear            revoke whatever token is active

  --socket PATH    the service's control socket (default: $BREAK_GLASS_SOCKET)
  --json           print the outcome as one line of JSON, failures included
  --url URL        the URL for the curl line of issue (default: as the service says)
  --timeout MS     how long to wait for the service (default: 10000)
  -h, --help       print this text

exit status: 0 done, 1 failed, or not answered in time (it may have been
             done: check status), 2 bad input, 3 nothing accepted the
             connection, 4 refused, 5 the service's token store is not running
`;

const COMMANDS: ReadonlySet<string> = new Set<ControlCommand>(['issue', 'status', 'revoke', 'clear']);
const VALUED = new Set(['--socket', '--url', '--timeout']);
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads the command line (without `node` and the script). Options may come
 * before or after the command, as `--name value` or `--name=value`.
 */
export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArguments {
  const values = new Map<string, string>();
  const positional: string[] = [];
  let json = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--json') {
      json = true;
      continue;
    }
    // A token may itself begin with "--": 43 base64url characters are never an option.
    if (arg.startsWith('--') && arg.length > 2 && !TOKEN_SHAPE.test(arg)) {
      const equals = arg.indexOf('=');
      const name = equals === -1 ? arg : arg.slice(0, equals);
      if (!VALUED.has(name)) return { kind: 'usage', problem: `unknown option ${name}` };
      const value = equals === -1 ? argv[(index += 1)] : arg.slice(equals + 1);
      if (value === undefined || value === '') return { kind: 'usage', problem: `${name} needs a value` };
      values.set(name, value);
      continue;
    }
    positional.push(arg);
  }

  const [command, token, ...extra] = positional;
  if (command === undefined) return { kind: 'usage', problem: 'no command given' };
  if (!COMMANDS.has(command)) return { kind: 'usage', problem: `unknown command '${command}'` };
  if (extra.length > 0 || (token !== undefined && command !== 'revoke')) {
    return { kind: 'usage', problem: `too many arguments for ${command}` };
  }
  const socketPath = values.get('--socket') ?? env.BREAK_GLASS_SOCKET;
  if (socketPath === undefined || socketPath === '') {
    return { kind: 'usage', problem: 'no socket: pass --socket PATH or set BREAK_GLASS_SOCKET' };
  }
  const timeout = values.get('--timeout');
  const timeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    return { kind: 'usage', problem: '--timeout must be a positive whole number of milliseconds' };
  }
  return {
    kind: 'run',
    args: {
      command: command as ControlCommand,
      socketPath,
      json,
      url: values.get('--url'),
      token: token === '-' ? undefined : token,
      timeoutMs,
    },
  };
}
