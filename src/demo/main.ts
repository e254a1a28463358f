import { mkdtempSync, rmdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cluster from 'node:cluster';
import { childSpec } from '../childSpec';
import { openControlSocket } from '../control/server';
import { startSupervisor } from '../supervisor/startSupervisor';
import { encodeToken } from '../token';
import { startDemoInspector, type DemoInspector } from './inspector';
import { createBreakGlassServer } from './server';
import { runClusterDemo } from './clusterDemo';

/** The demo service: start the store, issue one token, print it once, serve until a signal. */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('PORT must be a port number');
  const host = '127.0.0.1';
  // BREAK_GLASS_INSPECT=1 attaches the Stately inspector through a relay on 127.0.0.1 (cluster workers have no store to watch).
  const inspector = process.env.BREAK_GLASS_INSPECT === '1' && cluster.isPrimary ? await startInspector() : undefined;
  const workers = process.env.BREAK_GLASS_WORKERS;
  if (workers !== undefined && workers !== '') {
    const count = Number(workers);
    if (!Number.isInteger(count) || count < 1 || count > 64) throw new RangeError('BREAK_GLASS_WORKERS must be 1 to 64');
    return runClusterDemo(count, port, inspector);
  }

  // Supervised, as a service would run it: a crash restarts the store empty, and the inspector shows the tree.
  const supervisor = startSupervisor({ children: [childSpec()], inspect: inspector?.inspect });
  const store = supervisor.store();
  const server = createBreakGlassServer(store);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host}:${bound}`;
  // BREAK_GLASS_SOCKET names the control socket; without it, a fresh 0700 directory keeps it private.
  const privateDir = process.env.BREAK_GLASS_SOCKET ? undefined : mkdtempSync(join(tmpdir(), 'break-glass-'));
  const socketPath = process.env.BREAK_GLASS_SOCKET || join(privateDir as string, 'control.sock');
  const control = await openControlSocket(store, { path: socketPath, serviceUrl: `${url}/admin` });
  // Signals are handled before the token is printed: whoever reads it may stop us at once.
  const shutdown = (signal: NodeJS.Signals) => {
    process.stdout.write(`${signal} received, shutting down\n`);
    // The socket goes first, so no operator request lands on a store that is shutting down.
    const controlClosed = control
      .close()
      .then(() => privateDir !== undefined && rmdirSync(privateDir))
      .catch(() => undefined);
    server.close(() => {
      void Promise.all([controlClosed, supervisor.stop(), inspector?.close()]).then(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const token = encodeToken(await store.buildAndStore());

  process.stdout.write(
    [
      `break-glass demo listening on ${url}`,
      `control socket: ${control.path}`,
      ...(inspector === undefined ? [] : inspectorLines(inspector)),
      '',
      'Break-glass token (shown once; restarting this process invalidates it):',
      `  ${token}`,
      '',
      'Open the admin page with it:',
      `  curl -H 'Authorization: Bearer ${token}' ${url}/admin`,
      'Revoke it:',
      `  curl -X POST -H 'Authorization: Bearer ${token}' ${url}/break-glass/revoke`,
      'Issue a fresh one, or check or revoke it, from this host:',
      `  npm run break-glass -- issue --socket ${control.path}`,
      `  npm run break-glass -- status --socket ${control.path}`,
      '',
    ].join('\n'),
  );
}

async function startInspector(): Promise<DemoInspector> {
  const port = Number(process.env.BREAK_GLASS_INSPECT_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('BREAK_GLASS_INSPECT_PORT must be a port number');
  return startDemoInspector(port);
}

function inspectorLines(inspector: DemoInspector): string[] {
  return [
    `Stately inspector relay (loopback only): ${inspector.webSocketUrl}`,
    `  open ${inspector.url} in a browser on this host to watch the supervisor and the store`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`break-glass demo failed to start: ${error instanceof Error ? error.message : 'unknown error'}\n`);
  process.exit(1);
});
