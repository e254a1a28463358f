import type { ControlFailure, ControlResponse } from '../control/protocol';
import { EXIT, type ExitStatus } from './exitCodes';

/** How the CLI shows a response: text for stdout, text for stderr, and the exit status. */
export interface Rendered {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: ExitStatus;
}

/** Where the operator can find the socket again, for the hints printed after `issue`. */
export interface RenderContext {
  readonly socketPath: string;
  /** Overrides the service's own URL in the `curl` line. */
  readonly url: string | undefined;
  readonly now: () => number;
  /** What runs this command in the operator's shell: `break-glass`, or `npm run break-glass --` from a source checkout. */
  readonly invocation: string;
}

/** The exit status that matches a failure's code. */
export function failureStatus(failure: ControlFailure): ExitStatus {
  switch (failure.error.code) {
    case 'ERR_CONTROL_MALFORMED':
    case 'ERR_CONTROL_OVERSIZED':
    case 'ERR_CONTROL_UNKNOWN_COMMAND':
    case 'ERR_TOKEN_MALFORMED':
      return EXIT.badInput;
    case 'ERR_CONTROL_REFUSED':
      return EXIT.refused;
    case 'ERR_NOT_RUNNING':
    case 'ERR_STORE_EXITED':
    case 'ERR_CALL_TIMEOUT':
      return EXIT.storeDown;
    default:
      return EXIT.failed;
  }
}

/** Renders a response for a person at a terminal. */
export function renderText(response: ControlResponse, context: RenderContext): Rendered {
  if (!response.ok) {
    return { stdout: '', stderr: `break-glass: ${printable(response.error.message)}\n`, status: failureStatus(response) };
  }
  switch (response.command) {
    case 'issue': {
      const url = context.url ?? response.url ?? '<service-url>';
      const text = [
        'Break-glass token (shown once; it is kept nowhere else):',
        `  ${response.token}`,
        '',
        `Fingerprint ${response.fingerprint}, issued ${response.insertedAt}.`,
        'Use it:',
        `  curl -H 'Authorization: Bearer ${response.token}' ${url}`,
        'Revoke it when done (paste the token when asked):',
        `  ${context.invocation} revoke --socket ${shellQuote(context.socketPath)}`,
        '',
      ];
      return { stdout: text.join('\n'), stderr: '', status: EXIT.ok };
    }
    case 'status': {
      if (!response.active) return { stdout: 'No token is active.\n', stderr: '', status: EXIT.ok };
      const ageSeconds = Math.max(0, Math.floor((context.now() - Date.parse(response.insertedAt)) / 1000));
      const text = `A token is active: fingerprint ${response.fingerprint}, issued ${response.insertedAt} (${ageSeconds} s ago).\n`;
      return { stdout: text, stderr: '', status: EXIT.ok };
    }
    case 'revoke':
      return { stdout: 'Revoked: the token no longer opens anything.\n', stderr: '', status: EXIT.ok };
    case 'clear':
      return { stdout: 'Cleared: no token is active now.\n', stderr: '', status: EXIT.ok };
  }
}

/** The service's message as one line with no terminal control sequences: it comes from whatever answers on the socket. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** Single-quotes a path for a shell when it holds anything but plain characters. */
function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
