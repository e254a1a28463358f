import type { Worker as ClusterWorker } from 'node:cluster';
import type { EventEmitter } from 'node:events';
import type { MessagePort, Worker as ThreadWorker } from 'node:worker_threads';

/**
 * One end of the link between a replica and its owner, whatever carries it: a
 * cluster worker and its primary, a worker thread and the main thread, or any
 * IPC pair. The replica protocol only needs to send, to hear, and to learn that
 * the other end is gone, so both deployments share one protocol.
 */
export interface ReplicaChannel {
  /** A short name for the audit trail, e.g. `cluster worker 3`. Never holds data. */
  readonly label: string;
  /** Sends one message; does nothing once the channel is closed. */
  send(message: unknown): void;
  /** Listens for messages; answers the function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Called once when the other end is gone (exit, disconnect, termination). */
  onClose(listener: () => void): () => void;
  /**
   * Ends the other end for good. The owner calls it on a replica that did not
   * confirm a change in time: a replica that may still accept a revoked token
   * must not go on serving.
   */
  sever(): void;
}

type Listener = (...args: never[]) => void;
type Emitter = Pick<EventEmitter, 'on' | 'off'>;

function listen(emitter: Emitter, events: readonly string[], listener: Listener): () => void {
  for (const event of events) emitter.on(event, listener as (...args: unknown[]) => void);
  return () => {
    for (const event of events) emitter.off(event, listener as (...args: unknown[]) => void);
  };
}

/** Runs `listener` at most once, however many of the events fire. */
function once(listener: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    listener();
  };
}

/**
 * The owner's side of a `node:cluster` worker: messages through `worker.send`,
 * closed on disconnect or exit, severed with SIGKILL.
 *
 * @example
 * ```ts
 * cluster.on('fork', (worker) => owner.attach(clusterWorkerChannel(worker)));
 * ```
 */
export function clusterWorkerChannel(worker: ClusterWorker): ReplicaChannel {
  return {
    label: `cluster worker ${worker.id}`,
    send: (message) => {
      if (worker.isConnected()) worker.send(message as object, undefined, () => undefined);
    },
    onMessage: (listener) => listen(worker, ['message'], listener as Listener),
    onClose: (listener) => listen(worker, ['disconnect', 'exit'], once(listener)),
    sever: () => {
      if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
    },
  };
}

/** What `process` (in a child) and a `ChildProcess` (in its parent) have in common. */
export interface IpcEndpoint extends Emitter {
  readonly connected?: boolean;
  send?(message: unknown, sendHandle?: undefined, options?: object, callback?: (error: Error | null) => void): boolean;
  disconnect?(): void;
  kill?(signal?: NodeJS.Signals): boolean;
}

/**
 * Either end of a Node IPC channel: `process` in a cluster worker or forked
 * child (to reach the owner), or a `ChildProcess` in its parent. Closed on
 * disconnect; severing a child kills it, severing `process` disconnects it.
 *
 * @example
 * ```ts
 * const replica = openReplica({ channel: ipcChannel(process, 'owner') });
 * ```
 */
export function ipcChannel(endpoint: IpcEndpoint, label: string): ReplicaChannel {
  return {
    label,
    send: (message) => {
      if (endpoint.connected === true) endpoint.send?.(message, undefined, {}, () => undefined);
    },
    onMessage: (listener) => listen(endpoint, ['message'], listener as Listener),
    onClose: (listener) => listen(endpoint, ['disconnect', 'exit'], once(listener)),
    sever: () => {
      if (endpoint.kill !== undefined) endpoint.kill('SIGKILL');
      else if (endpoint.connected === true) endpoint.disconnect?.();
    },
  };
}

/**
 * The main thread's side of a worker thread: `postMessage`, closed on exit,
 * severed with `terminate()`.
 */
export function threadWorkerChannel(worker: ThreadWorker): ReplicaChannel {
  let exited = false;
  worker.once('exit', () => (exited = true));
  return {
    label: `worker thread ${worker.threadId}`,
    send: (message) => {
      if (!exited) worker.postMessage(message);
    },
    onMessage: (listener) => listen(worker, ['message'], listener as Listener),
    onClose: (listener) => listen(worker, ['exit'], once(listener)),
    sever: () => void worker.terminate(),
  };
}

/**
 * A worker thread's side of its link to the main thread (`parentPort`), or
 * either end of any `MessageChannel`: closed when the port closes, severed by
 * closing it.
 */
export function parentPortChannel(port: MessagePort, label = 'main thread'): ReplicaChannel {
  let closed = false;
  port.once('close', () => (closed = true));
  // Node's MessagePort is an EventEmitter at run time; its typings only list the overloads.
  const emitter = port as unknown as Emitter;
  return {
    label,
    send: (message) => {
      if (!closed) port.postMessage(message);
    },
    onMessage: (listener) => listen(emitter, ['message'], listener as Listener),
    onClose: (listener) => listen(emitter, ['close'], once(listener)),
    sever: () => port.close(),
  };
}
