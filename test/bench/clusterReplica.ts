import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { parentPortChannel } from '../../src/cluster/channel';
import { openReplica } from '../../src/cluster/replica';
import { serveClusterReplicas, serveReplicas } from '../../src/cluster/serveReplicas';
import { startLink } from '../../src/startLink';
import { compareSync, timeEach, type Plan } from './measure';
import type { Row } from './operations';

const LOOKUP: Plan = { batch: 2_000, samples: 60, rounds: 5 };
const WRITE_SAMPLES = 300;

/**
 * Lookups in a replica beside the single-process store's: a replica's lookup is
 * local, so the transport does not enter; a MessageChannel stands in for it.
 */
export async function replicaLookupRows(): Promise<Row[]> {
  const store = startLink({ name: 'bench.replica.store' });
  const owner = serveReplicas(store);
  const { port1, port2 } = new MessageChannel();
  owner.attach(parentPortChannel(port1, 'bench'));
  const replica = openReplica({ channel: parentPortChannel(port2, 'owner'), name: store.name });
  await replica.whenReady();
  const token = await owner.buildAndStore();
  const stranger = Buffer.alloc(32, 7);
  const missBeforeHit = compareSync(() => replica.lookup(stranger), () => store.lookup(stranger), LOOKUP);
  const rows: Row[] = [{ name: 'replica lookup miss, before first hit', ...missBeforeHit }];
  rows.push({ name: 'replica lookup hit', ...compareSync(() => replica.lookup(token), () => store.lookup(token), LOOKUP) });
  rows.push({ name: 'replica lookup miss, after a hit', ...compareSync(() => replica.lookup(stranger), () => store.lookup(stranger), LOOKUP) });
  owner.close();
  port1.close();
  await store.stop();
  return rows;
}

function forkReady(storeName: string): Promise<Worker> {
  const worker = cluster.fork({ STORE_NAME: storeName });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { bench?: string }) => message?.bench === 'ready' && resolve(worker));
    worker.once('exit', () => reject(new Error('a bench worker exited early')));
  });
}

/**
 * `buildAndStore` through the owner with 1, 2 and 4 real cluster workers, each
 * write resolving once every worker applied it, beside a single-process build.
 */
export async function replicaWriteRows(): Promise<Row[]> {
  cluster.setupPrimary({ exec: join(__dirname, 'clusterReplicaWorker.ts'), execArgv: ['-r', 'ts-node/register/transpile-only'] });
  const single = startLink({ name: 'bench.replica.single' });
  const baseline = await timeEach(() => single.buildAndStore(), WRITE_SAMPLES);
  await single.stop();
  const rows: Row[] = [];
  for (const size of [1, 2, 4]) {
    const store = startLink({ name: `bench.replica.${size}` });
    const owner = serveClusterReplicas(store);
    const workers = await Promise.all(Array.from({ length: size }, () => forkReady(store.name)));
    await timeEach(() => owner.buildAndStore(), 50);
    rows.push({ name: `buildAndStore, ${size} cluster worker${size > 1 ? 's' : ''}`, subject: await timeEach(() => owner.buildAndStore(), WRITE_SAMPLES), baseline });
    owner.close();
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve).process.kill('SIGKILL'))));
    await store.stop();
  }
  return rows;
}

/** Every replica row: lookups, then writes across cluster workers. */
export async function clusterRows(): Promise<Row[]> {
  return [...(await replicaLookupRows()), ...(await replicaWriteRows())];
}

if (require.main === module) {
  void clusterRows().then((rows) => {
    const ns = (n: number) => n.toFixed(0).padStart(10);
    console.log('operation'.padEnd(40) + 'median ns'.padStart(10) + 'p99 ns'.padStart(10) + 'base med'.padStart(10) + 'ratio'.padStart(8));
    for (const row of rows) {
      const ratio = row.subject.medianNs / row.baseline.medianNs;
      console.log(row.name.padEnd(40) + ns(row.subject.medianNs) + ns(row.subject.p99Ns) + ns(row.baseline.medianNs) + `${ratio.toFixed(2)}x`.padStart(8));
    }
  });
}
