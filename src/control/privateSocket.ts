import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:net';
import { dirname, join } from 'node:path';
import { ControlSocketError } from '../errors';

/**
 * The file operations that publish a socket, the real ones by default. They are
 * a parameter so that a test can run each failure path on a real filesystem
 * (a rival creating the path just before the link, a chmod that fails) and
 * check that nothing is left behind.
 * @internal
 */
export interface PublishSteps {
  readonly chmod: (path: string, mode: number) => Promise<void>;
  readonly link: (existingPath: string, newPath: string) => Promise<void>;
  readonly unlink: (path: string) => Promise<void>;
}

/** @internal */
export const FILE_STEPS: PublishSteps = { chmod, link, unlink };

/** The socket file a control socket published, by identity: `close` removes the path only while it still names this file. @internal */
export interface PublishedSocket {
  readonly dev: number;
  readonly ino: number;
}

const TEMPORARY_PREFIX = '.break-glass-';
/** How long the temporary name is, in bytes: the directory must leave room for it in a socket address. @internal */
export const TEMPORARY_NAME_BYTES = TEMPORARY_PREFIX.length + 16;

/**
 * Makes `server` listen at `path` such that the socket is never reachable at
 * `path` with a mode other than 0600, whatever the umask.
 *
 * Binding creates the socket file with the mode the umask leaves, and the umask
 * cannot be relied on: a worker thread may not change it, a cluster worker's
 * listen is carried out by the primary with the primary's umask, and changing
 * it is process-wide, so it would also narrow files other threads create at
 * that moment. So the socket is bound under a fresh random name in the same
 * private directory, made 0600 there, and only then given its real name.
 *
 * The name is given with `link()`, not `rename()`: `link()` fails with EEXIST
 * when the path was taken after `prepareSocketPath` checked it (another
 * service starting at the same path, say), where `rename()` would silently
 * replace that file. The temporary name is removed on success and on every
 * failure, and a failure closes the server.
 *
 * @returns The identity of the published file, for `removePublished`.
 * @throws ControlSocketError (`ERR_CONTROL_SOCKET_IN_USE`) when the path was taken meanwhile; the error of a failed step otherwise.
 * @internal
 */
export async function listenPrivately(server: Server, path: string, steps: PublishSteps = FILE_STEPS): Promise<PublishedSocket> {
  const temporary = join(dirname(path), `${TEMPORARY_PREFIX}${randomBytes(8).toString('hex')}`);
  // A bind that fails leaves no file: either bind(2) failed, or libuv removes the name when Node closes the failed handle.
  await bind(server, temporary);
  try {
    await steps.chmod(temporary, 0o600);
    const { dev, ino } = await lstat(temporary);
    await steps.link(temporary, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new ControlSocketError('ERR_CONTROL_SOCKET_IN_USE', path, 'the path was taken while the socket was opened');
      throw error;
    });
    return { dev, ino };
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  } finally {
    // The socket stays reachable through its published name (an open socket is found by its file, not by a name).
    await steps.unlink(temporary).catch(() => undefined);
  }
}

/**
 * Removes `path` if it still names the socket `published`. The listening
 * handle only knows the temporary name, so closing the server does not
 * remove the published one; a file that replaced ours there is not ours to remove.
 * @internal
 */
export async function removePublished(path: string, published: PublishedSocket): Promise<void> {
  try {
    const info = await lstat(path);
    if (info.dev === published.dev && info.ino === published.ino) await unlink(path);
  } catch {
    // Already gone, or no longer ours to inspect: nothing to clean up.
  }
}

function bind(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      server.off('listening', listening);
      reject(error);
    };
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(path);
  });
}
