import { lstat, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { ControlSocketError } from '../errors';
import { TEMPORARY_NAME_BYTES } from './privateSocket';

// sun_path holds 108 bytes on Linux and 104 on macOS, a terminating NUL included.
const MAX_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

/**
 * Makes `path` ready for a new control socket: an absolute path, short enough
 * for a socket address (as is the temporary name the socket is bound under
 * first), in a directory of this user that no one else may enter, list or
 * write to, so no one else can reach the socket before it is private or swap
 * it for their own. A socket this user left behind with nothing listening is
 * removed; anything else is refused.
 *
 * @returns The absolute path.
 * @throws ControlSocketError (`ERR_CONTROL_SOCKET_UNSAFE`, `ERR_CONTROL_SOCKET_IN_USE`).
 * @throws RangeError when the path is too long for a Unix socket.
 * @internal
 */
export async function prepareSocketPath(path: string): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('options.path must be a non-empty string');
  const absolute = resolve(path);
  if (Buffer.byteLength(absolute) > MAX_PATH_BYTES) {
    throw new RangeError(`options.path must be at most ${MAX_PATH_BYTES} bytes long as an absolute path`);
  }
  // The socket is bound under a temporary name in the same directory first (see listenPrivately).
  if (Buffer.byteLength(dirname(absolute)) + 1 + TEMPORARY_NAME_BYTES > MAX_PATH_BYTES) {
    throw new RangeError(`options.path's directory must be at most ${MAX_PATH_BYTES - 1 - TEMPORARY_NAME_BYTES} bytes long as an absolute path`);
  }
  // Undefined where the platform has no user ids: then nothing is this user's, and the directory check refuses.
  const uid = process.getuid?.();
  await checkDirectory(absolute, uid);
  const existing = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw unsafe(absolute, `cannot be inspected (${error.code ?? 'error'})`);
  });
  if (existing === undefined) return absolute;
  if (!existing.isSocket() || existing.uid !== uid) {
    throw unsafe(absolute, 'the path exists and is not a socket of this user; refusing to replace it');
  }
  if (await isListening(absolute)) {
    throw new ControlSocketError('ERR_CONTROL_SOCKET_IN_USE', absolute, 'a service is already listening there');
  }
  // A stale socket of our own, left by a process that did not shut down cleanly.
  await unlink(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw unsafe(absolute, `the stale socket cannot be removed (${error.code ?? 'error'})`);
  });
  return absolute;
}

async function checkDirectory(absolute: string, uid: number | undefined): Promise<void> {
  const directory = dirname(absolute);
  const info = await stat(directory).catch((error: NodeJS.ErrnoException) => {
    throw unsafe(absolute, `its directory cannot be used (${error.code ?? 'error'})`);
  });
  if (!info.isDirectory()) throw unsafe(absolute, 'its parent is not a directory');
  // Write access would let someone else unlink the socket and listen in its place; search access would let
  // them reach the socket by name, and bind(2) creates it with whatever mode the umask leaves. Owner only.
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
    throw unsafe(absolute, `its directory ${directory} (mode ${mode}) is accessible by others than its owner; use a 0700 directory`);
  }
  // Of this user (root running as root included): a directory of another user, even root's, is theirs to open up.
  if (info.uid !== uid) {
    throw unsafe(absolute, `its directory ${directory} belongs to another user`);
  }
}

/** Connects once: a stale socket refuses, a live one accepts. */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolveProbe(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolveProbe(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'));
  });
}

function unsafe(path: string, detail: string): ControlSocketError {
  return new ControlSocketError('ERR_CONTROL_SOCKET_UNSAFE', path, detail);
}
