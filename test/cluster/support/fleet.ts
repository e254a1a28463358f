import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { AuditEvent } from '../../../src/audit';
import { serveClusterReplicas } from '../../../src/cluster/serveReplicas';
import type { ReplicaOwner } from '../../../src/cluster/replicaOwner';
import { startLink, type TokenStoreOptions } from '../../../src/startLink';
import type { TokenStoreHandle } from '../../../src/tokenStoreHandle';

const WORKER = join(__dirname, '..', 'fixtures', 'httpWorker.ts');

/** One cluster worker of a fleet, with the URL of its own HTTP port. */
export interface FleetWorker {
  readonly worker: Worker;
  readonly url: string;
  /** Resolves when the worker process has exited. */
  readonly exited: Promise<void>;
}

/** A primary's store and owner with real cluster workers serving loopback HTTP. */
export interface Fleet {
  readonly store: TokenStoreHandle;
  readonly owner: ReplicaOwner;
  readonly workers: FleetWorker[];
  readonly audit: AuditEvent[];
  /** Forks one more worker and resolves once it serves. */
  readonly fork: () => Promise<FleetWorker>;
  readonly stop: () => Promise<void>;
}

let fleets = 0;

/** Forks a worker and resolves once it reports its port, which it does only after its replica is ready. */
function forkWorker(env: Record<string, string>): Promise<FleetWorker> {
  const worker = cluster.fork(env);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onMessage = (message: { fixture?: string; port?: number }) => {
      if (message?.fixture !== 'listening') return;
      worker.off('message', onMessage);
      resolve({ worker, url: `http://127.0.0.1:${message.port}`, exited });
    };
    worker.on('message', onMessage);
    void exited.then(() => reject(new Error(`worker ${worker.id} exited before it served`)));
  });
}

/** Starts a store and an owner in this process (the primary) and `size` workers. */
export async function startFleet(
  size: number,
  options: { ackTimeoutMs?: number; store?: TokenStoreOptions; workerEnv?: Record<string, string> } = {},
): Promise<Fleet> {
  fleets += 1;
  cluster.setupPrimary({ exec: WORKER, execArgv: ['-r', 'ts-node/register/transpile-only'] });
  const audit: AuditEvent[] = [];
  const store = startLink({ name: `cluster-test.${fleets}`, onAudit: (event) => audit.push(event), ...options.store });
  const owner = serveClusterReplicas(store, { ackTimeoutMs: options.ackTimeoutMs ?? 5_000 });
  const env = { STORE_NAMES: store.name, ...options.workerEnv };
  const workers = await Promise.all(Array.from({ length: size }, () => forkWorker(env)));
  return {
    store,
    owner,
    workers,
    audit,
    fork: async () => {
      const added = await forkWorker(env);
      workers.push(added);
      return added;
    },
    stop: async () => {
      owner.close();
      await Promise.all(
        workers.map(({ worker, exited }) => {
          if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
          return exited;
        }),
      );
      await store.stop();
    },
  };
}

/** An HTTP request to a worker; answers the status and the parsed JSON body. */
export async function call(
  url: string,
  method: 'GET' | 'POST',
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Several stores in this process (the primary), each with its own cluster owner, and workers holding a replica of each. */
export interface SharedFleet {
  readonly stores: TokenStoreHandle[];
  readonly owners: ReplicaOwner[];
  readonly workers: FleetWorker[];
  readonly stop: () => Promise<void>;
}

/**
 * Starts one store and one owner per name, and `size` workers: every owner
 * serves every worker over the worker's one IPC channel, as a service with an
 * admin and an ops store would run.
 */
export async function startSharedFleet(names: readonly string[], size: number): Promise<SharedFleet> {
  cluster.setupPrimary({ exec: WORKER, execArgv: ['-r', 'ts-node/register/transpile-only'] });
  const stores = names.map((name) => startLink({ name }));
  const owners = stores.map((store) => serveClusterReplicas(store, { ackTimeoutMs: 5_000 }));
  const workers = await Promise.all(Array.from({ length: size }, () => forkWorker({ STORE_NAMES: names.join(',') })));
  return {
    stores,
    owners,
    workers,
    stop: async () => {
      for (const owner of owners) owner.close();
      await Promise.all(
        workers.map(({ worker, exited }) => {
          if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
          return exited;
        }),
      );
      await Promise.all(stores.map((store) => store.stop()));
    },
  };
}
