import { lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ControlSocketError, ControlUnreachableError } from '../errors';

/**
 * Checks, before anything is sent, that the socket at `socketPath` can only be
 * the service's own: a socket (not a link to one elsewhere), owned by this
 * user (or, when root asks, by the owner of its directory), in a directory that
 * only its owner or root can write to. A `revoke` carries the token, so a
 * socket someone else planted at the path would otherwise receive it.
 * `uid` is whose request this is, this process's user by default.
 *
 * @throws ControlUnreachableError (`ERR_CONTROL_UNREACHABLE`, `no_socket`) when nothing is at the path.
 * @throws ControlSocketError (`ERR_CONTROL_SOCKET_UNSAFE`) when what is there could belong to someone else.
 * @internal
 */
export async function checkTrustedSocket(socketPath: string, uid: number | undefined = process.getuid?.()): Promise<void> {
  const info = await lstat(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new ControlUnreachableError(socketPath, 'no_socket');
    if (error.code === 'EACCES') throw new ControlUnreachableError(socketPath, 'permission_denied');
    throw unsafe(socketPath, `it cannot be inspected (${error.code ?? 'error'})`);
  });
  if (info.isSymbolicLink()) throw unsafe(socketPath, 'it is a symbolic link; give the socket\'s own path');
  if (!info.isSocket()) throw unsafe(socketPath, 'it is not a socket');
  const directory = dirname(socketPath);
  const parent = await stat(directory).catch((error: NodeJS.ErrnoException) => {
    throw unsafe(socketPath, `its directory cannot be inspected (${error.code ?? 'error'})`);
  });
  // Whoever may write to the directory could have replaced the socket with their own.
  if ((parent.mode & 0o022) !== 0) throw unsafe(socketPath, `its directory ${directory} is writable by others than its owner`);
  if (parent.uid !== info.uid && parent.uid !== 0) throw unsafe(socketPath, `its directory ${directory} belongs to another user than the socket`);
  // Root may speak to any user's service; anyone else only to a socket of their own.
  if (uid !== undefined && uid !== 0 && info.uid !== uid) {
    throw unsafe(socketPath, `it belongs to another user (uid ${info.uid}); run as the service's user`);
  }
}

function unsafe(socketPath: string, detail: string): ControlSocketError {
  return new ControlSocketError('ERR_CONTROL_SOCKET_UNSAFE', socketPath, detail);
}
