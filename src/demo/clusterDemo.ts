import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReplica } from '../cluster/replica';
import type { ReplicaOwner } from '../cluster/replicaOwner';
import { serveClusterReplicas } from '../cluster/serveReplicas';
import { openControlSocket } from '../control/server';
import { startLink } from '../startLink';
import { encodeToken } from '../token';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import type { DemoInspector } from './inspector';
import { createBreakGlassServer } from './server';

const HOST = '127.0.0.1';

/**
 * The demo service with `workers` cluster workers sharing one port: the primary
 * owns the store and prints the token, each worker serves HTTP from a replica.
 * The token works on every worker; a revoke on any of them closes all of them.
 */
export async function runClusterDemo(workers: number, port: number, inspector?: DemoInspector): Promise<void> {
  if (cluster.isWorker) return serveWorker(port);
  // Under ts-node, workers must load TypeScript too; a compiled demo needs nothing extra.
  const typescript = __filename.endsWith('.ts') && !process.execArgv.some((arg) => arg.includes('ts-node'));
  if (typescript) cluster.setupPrimary({ execArgv: [...process.execArgv, '-r', 'ts-node/register/transpile-only'] });

  const store = startLink({ inspect: inspector?.inspect });
  const owner = serveClusterReplicas(store);
  let stopping = false;
  // A worker that dies is replaced; the new one gets the current token before it serves.
  cluster.on('exit', () => void (stopping || cluster.fork()));
  const listening = Array.from({ length: workers }, () => listeningPort(cluster.fork()));
  const bound = (await Promise.all(listening))[0];
  const url = `http://${HOST}:${bound}`;

  const privateDir = process.env.BREAK_GLASS_SOCKET ? undefined : mkdtempSync(join(tmpdir(), 'break-glass-'));
  const socketPath = process.env.BREAK_GLASS_SOCKET || join(privateDir as string, 'control.sock');
  const control = await openControlSocket(writingThroughOwner(store, owner), { path: socketPath, serviceUrl: `${url}/admin` });
  const shutdown = (signal: NodeJS.Signals) => {
    process.stdout.write(`${signal} received, shutting down\n`);
    stopping = true;
    owner.close();
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) => new Promise<void>((resolve) => (worker?.isDead() ? resolve() : worker?.once('exit', () => resolve()).kill())),
    );
    const controlClosed = control
      .close()
      .then(() => privateDir !== undefined && rmdirSync(privateDir))
      .catch(() => undefined);
    void Promise.all([controlClosed, ...exits])
      .then(() => Promise.all([store.stop(), inspector?.close()]))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const token = encodeToken(await owner.buildAndStore());

  process.stdout.write(
    [
      `break-glass demo listening on ${url} with ${workers} cluster worker${workers === 1 ? '' : 's'}`,
      `control socket: ${control.path}`,
      ...(inspector === undefined ? [] : [`Stately inspector: open ${inspector.url} in a browser on this host`]),
      '',
      'Break-glass token (shown once; restarting this process invalidates it):',
      `  ${token}`,
      '',
      'It opens the admin page on every worker:',
      `  curl -H 'Authorization: Bearer ${token}' ${url}/admin`,
      'Revoke it on one, and every worker refuses it:',
      `  curl -X POST -H 'Authorization: Bearer ${token}' ${url}/break-glass/revoke`,
      'Issue a fresh one for every worker, or check or revoke it, from this host:',
      `  npm run break-glass -- issue --socket ${control.path}`,
      `  npm run break-glass -- status --socket ${control.path}`,
      '',
    ].join('\n'),
  );
}

/**
 * The store's handle as the control socket sees it, with its writes made
 * through the owner: the store would replicate a write made on it directly as
 * well, but only the owner's writes wait for every worker, so `break-glass issue`
 * answers once the new token opens /admin on all of them, and `revoke` once none
 * accepts the old one. Reads stay the store's own.
 */
function writingThroughOwner(store: TokenStoreHandle, owner: ReplicaOwner): TokenStoreHandle {
  const writes: Partial<Record<PropertyKey, unknown>> = {
    buildAndStore: owner.buildAndStore.bind(owner),
    delete: owner.delete.bind(owner),
    consume: owner.consume.bind(owner),
    clear: owner.clear.bind(owner),
  };
  return new Proxy(store, {
    get(target, key) {
      if (Object.hasOwn(writes, key)) return writes[key];
      // The handle keeps its state in private fields: its own methods must run on it, not on the proxy.
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function listeningPort(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('listening', (address) => resolve(address.port));
    worker.once('exit', () => reject(new Error('a worker exited before it listened')));
  });
}

/** A worker: serves only once its replica holds the owner's state, so no request meets an empty replica. */
async function serveWorker(port: number): Promise<void> {
  // Ctrl-C reaches the whole process group: the primary decides when workers stop.
  process.on('SIGINT', () => undefined);
  const replica = openReplica();
  await replica.whenReady();
  const server = createBreakGlassServer(replica);
  server.listen(port, HOST);
}
