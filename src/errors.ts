/**
 * Every code a break-glass error carries. Codes are stable: switch on them, not
 * on messages.
 */
export type BreakGlassErrorCode =
  | 'ERR_ALREADY_STARTED'
  | 'ERR_NOT_RUNNING'
  | 'ERR_CALL_TIMEOUT'
  | 'ERR_STORE_EXITED'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_EVENT_UNREADABLE'
  | 'ERR_NAME_CONFLICT'
  | 'ERR_RESTART_INTENSITY'
  | 'ERR_CONTROL_SOCKET_UNSAFE'
  | 'ERR_CONTROL_SOCKET_IN_USE'
  | 'ERR_CONTROL_UNREACHABLE'
  | 'ERR_CONTROL_TIMEOUT'
  | 'ERR_CONTROL_PROTOCOL'
  | 'ERR_OWNER_UNREACHABLE'
  | 'ERR_REPLICA_PROTOCOL';

/**
 * The base of every error the library throws or rejects with. Messages never
 * contain a token or any part of one.
 */
export class BreakGlassError extends Error {
  readonly code: BreakGlassErrorCode;

  constructor(code: BreakGlassErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A store is already registered under this name (OTP's `{:error, {:already_started, pid}}`). */
export class AlreadyStartedError extends BreakGlassError {
  constructor(
    readonly storeName: string,
    /** The store that holds the name. */
    readonly running: unknown,
  ) {
    super('ERR_ALREADY_STARTED', `a token store named '${storeName}' is already running`);
  }
}

/** No live store answers to this name: never started, stopped, or between a crash and its restart. */
export class NotRunningError extends BreakGlassError {
  constructor(readonly storeName: string) {
    super('ERR_NOT_RUNNING', `no token store named '${storeName}' is running`);
  }
}

/** The store did not answer within the call's timeout (OTP's `GenServer.call` timeout exit). */
export class CallTimeoutError extends BreakGlassError {
  constructor(
    readonly storeName: string,
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super('ERR_CALL_TIMEOUT', `token store '${storeName}' did not answer ${operation} within ${timeoutMs} ms`);
  }
}

/** The store stopped or crashed while a call was waiting on it; `reason` says why. */
export class StoreExitedError extends BreakGlassError {
  constructor(
    readonly storeName: string,
    readonly operation: string,
    readonly reason: unknown,
  ) {
    super('ERR_STORE_EXITED', `token store '${storeName}' exited during ${operation}: ${describeReason(reason)}`, {
      cause: reason,
    });
  }
}

/** Text given as a token is not 43 characters of base64url. The message never echoes the text. */
export class MalformedTokenError extends BreakGlassError {
  constructor(detail: string) {
    super('ERR_TOKEN_MALFORMED', `malformed token: ${detail}`);
  }
}

/**
 * An event's `token` field threw when the store read it. The store fails on such an
 * event rather than guess; a supervisor restarts it empty. The message names only
 * the event type.
 */
export class UnreadableEventError extends BreakGlassError {
  constructor(readonly eventType: string) {
    super('ERR_EVENT_UNREADABLE', `the token of a ${eventType} event could not be read`);
  }
}

/** Another actor already holds the store's system id, so the store cannot register. */
export class NameConflictError extends BreakGlassError {
  constructor(readonly systemId: string) {
    super('ERR_NAME_CONFLICT', `another actor already holds the system id '${systemId}'`);
  }
}

/** A supervisor saw more restarts than it allows within its window and shut down. */
export class RestartIntensityError extends BreakGlassError {
  constructor(
    readonly childId: string,
    readonly lastReason: unknown,
    readonly maxRestarts: number,
    readonly maxSeconds: number,
  ) {
    super(
      'ERR_RESTART_INTENSITY',
      `child '${childId}' needed more than ${maxRestarts} restarts in ${maxSeconds} s; last reason: ${describeReason(lastReason)}`,
      { cause: lastReason },
    );
  }
}

/**
 * A control socket cannot be opened at its path: the directory is writable by
 * others or the path holds something that is not a stale socket of this user
 * (`ERR_CONTROL_SOCKET_UNSAFE`), or a live service already listens there
 * (`ERR_CONTROL_SOCKET_IN_USE`).
 */
export class ControlSocketError extends BreakGlassError {
  constructor(
    code: 'ERR_CONTROL_SOCKET_UNSAFE' | 'ERR_CONTROL_SOCKET_IN_USE',
    readonly socketPath: string,
    detail: string,
  ) {
    super(code, `control socket ${socketPath}: ${detail}`);
  }
}

/** Nothing answers at a control socket path; `reason` says what the connection attempt met. */
export class ControlUnreachableError extends BreakGlassError {
  constructor(
    readonly socketPath: string,
    readonly reason: 'no_socket' | 'not_listening' | 'permission_denied' | 'timeout' | 'closed',
  ) {
    super('ERR_CONTROL_UNREACHABLE', `no break-glass service answers at ${socketPath} (${reason.replace('_', ' ')})`);
  }
}

/**
 * A control socket did not answer within the timeout. Something is there (with nothing
 * listening, the connection fails at once with {@link ControlUnreachableError}); once
 * the request was `sent`, it may have been carried out: check with `status` before
 * repeating a write.
 */
export class ControlTimeoutError extends BreakGlassError {
  /** What ControlUnreachableError said of this case before this error existed, kept for code that tested it. */
  readonly reason = 'timeout' as const;

  constructor(
    readonly socketPath: string,
    readonly operation: string,
    readonly timeoutMs: number,
    /** Whether the request went out; a timeout shorter than opening the connection leaves it unsent. */
    readonly sent: boolean,
  ) {
    super(
      'ERR_CONTROL_TIMEOUT',
      sent
        ? `the service at ${socketPath} accepted the connection but did not answer ${operation} within ${timeoutMs} ms; ` +
            'the request may have been carried out: check with status'
        : `the connection to the service at ${socketPath} did not open within ${timeoutMs} ms; ${operation} was not sent`,
    );
  }
}

/**
 * A control socket answered something that is not a control response to the request.
 * `detail` says what was wrong with it; it never quotes the answer, which may hold a token.
 */
export class ControlProtocolError extends BreakGlassError {
  constructor(
    readonly socketPath: string,
    detail?: string,
  ) {
    super(
      'ERR_CONTROL_PROTOCOL',
      `the service at ${socketPath} did not answer with a control response${detail === undefined ? '' : ` (${detail})`}`,
    );
  }
}

/** A replica's owner (the cluster primary or main thread) is gone or never answered: the channel to it is closed. */
export class OwnerUnreachableError extends BreakGlassError {
  constructor(
    readonly storeName: string,
    readonly operation: string,
  ) {
    super('ERR_OWNER_UNREACHABLE', `the owner of token store '${storeName}' is unreachable during ${operation}`);
  }
}

/** A message between a replica and its owner is not part of the replica protocol. The message is never quoted. */
export class ReplicaProtocolError extends BreakGlassError {
  constructor(readonly operation: string) {
    super('ERR_REPLICA_PROTOCOL', `a replica message for ${operation} is not part of the replica protocol`);
  }
}

/** A short text for a crash reason; only the error's class and code, never its message, which may quote input. */
export function describeReason(reason: unknown): string {
  try {
    if (reason instanceof BreakGlassError) return reason.code;
    if (reason instanceof Error) return String(reason.name);
    if (typeof reason === 'string') return reason.length <= 40 ? reason : `${reason.slice(0, 40)}…`;
    return typeof reason;
  } catch {
    // A reason is anything a failing actor threw: a Proxy whose traps throw is one.
    return 'unreadable';
  }
}
