import nodeCluster, { type Cluster, type Worker as ClusterWorker } from 'node:cluster';
import type { TokenStoreHandle } from '../tokenStoreHandle';
import { clusterWorkerChannel } from './channel';
import { ReplicaOwner, type ReplicaOwnerOptions } from './replicaOwner';

function ackTimeoutOf(options: ReplicaOwnerOptions): number {
  const ackTimeoutMs = options.ackTimeoutMs ?? 2000;
  if (!(Number.isFinite(ackTimeoutMs) && ackTimeoutMs > 0)) {
    throw new RangeError('options.ackTimeoutMs must be a positive number of milliseconds');
  }
  return ackTimeoutMs;
}

/**
 * Makes this process (or thread) the owner of `store` for replicas in other
 * workers: attach each worker's channel with `owner.attach(channel)`. The store
 * may be any handle: from `startLink`, or a supervised one.
 *
 * @example
 * ```ts
 * const owner = serveReplicas(startLink());
 * const worker = new Worker('./worker.js');
 * owner.attach(threadWorkerChannel(worker));
 * ```
 * @throws RangeError when `options.ackTimeoutMs` is not a positive number.
 */
export function serveReplicas(store: TokenStoreHandle, options: ReplicaOwnerOptions = {}): ReplicaOwner {
  return new ReplicaOwner(store, ackTimeoutOf(options));
}

/** Options of `serveClusterReplicas`. */
export interface ClusterReplicaOptions extends ReplicaOwnerOptions {
  /** The cluster module to serve; `node:cluster` by default. */
  readonly cluster?: Cluster;
}

/**
 * The owner for a `node:cluster` service, in the primary: every worker running
 * now and every one forked later is served, restarted ones included, until
 * `owner.close()`.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) {
 *   serveClusterReplicas(startLink());
 *   for (let i = 0; i < 4; i++) cluster.fork();
 * }
 * ```
 * @throws TypeError when called outside the cluster's primary.
 */
export function serveClusterReplicas(store: TokenStoreHandle, options: ClusterReplicaOptions = {}): ReplicaOwner {
  const cluster = options.cluster ?? nodeCluster;
  if (!cluster.isPrimary) throw new TypeError('serveClusterReplicas: call it in the cluster primary');
  const owner = new ReplicaOwner(store, ackTimeoutOf(options));
  const attach = (worker: ClusterWorker) => void owner.attach(clusterWorkerChannel(worker));
  for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) attach(worker);
  cluster.on('fork', attach);
  owner.whenClosed(() => cluster.off('fork', attach));
  return owner;
}
