/**
 * The exit statuses of the `break-glass` command, one per outcome a script may
 * want to tell apart.
 */
export const EXIT = {
  /** The request was carried out. */
  ok: 0,
  /**
   * Something unexpected: the service failed, answered something that is not a valid
   * response to the request, or did not answer in time (a request that was sent may
   * have been carried out).
   */
  failed: 1,
  /** The command line, the token given, or the request was malformed. */
  badInput: 2,
  /** Nothing accepted the connection at the socket path: the request cannot have been carried out. */
  noService: 3,
  /** The service refused: the token is not the active one, or the socket's permissions keep this user out. */
  refused: 4,
  /** The service answered, but its token store is not running. */
  storeDown: 5,
} as const;

/** One of the {@link EXIT} statuses. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];
