import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tryDecodeToken, type Token } from '../token';
import type { TokenStoreHandle } from '../tokenStoreHandle';

const UNAUTHORIZED = JSON.stringify({ error: 'unauthorized' });

/**
 * The bearer token of a request, or undefined. Every way of getting it wrong
 * (no header, another scheme, bad base64url, wrong length) ends the same way, so
 * a 401 says nothing about why.
 */
function bearerToken(request: IncomingMessage): Token | undefined {
  const header = request.headers.authorization;
  // The scheme name is case-insensitive (RFC 7235, section 2.1).
  const match = typeof header === 'string' ? /^bearer +(\S+) *$/i.exec(header) : null;
  return match === null ? undefined : tryDecodeToken(match[1]);
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
  });
  response.end(body);
}

/**
 * The demo service: `/admin` opens with the break-glass token, `/break-glass/revoke`
 * deletes it, `/healthz` answers without one.
 */
export function createBreakGlassServer(
  // Only lookup and delete, so a cluster worker's replica serves as well as the store's own handle.
  store: Pick<TokenStoreHandle, 'lookup' | 'delete'>,
  now: () => number = Date.now,
): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = `${request.method} ${path}`;
    if (route === 'GET /healthz') return send(response, 200, JSON.stringify({ status: 'ok' }));
    if (route !== 'GET /admin' && route !== 'POST /break-glass/revoke') {
      return send(response, 404, JSON.stringify({ error: 'not found' }));
    }
    const token = bearerToken(request);
    const found = token === undefined ? undefined : store.lookup(token);
    if (token === undefined || found === undefined || !found.ok) return send(response, 401, UNAUTHORIZED);
    if (route === 'GET /admin') {
      const ageSeconds = Math.max(0, Math.floor((now() - found.insertedAt.getTime()) / 1000));
      return send(response, 200, JSON.stringify({ admin: true, insertedAt: found.insertedAt, ageSeconds }));
    }
    store.delete(token).then(
      (result) => send(response, result.ok ? 200 : 401, result.ok ? JSON.stringify({ revoked: true }) : UNAUTHORIZED),
      () => send(response, 503, JSON.stringify({ error: 'token store unavailable' })),
    );
  });
}
