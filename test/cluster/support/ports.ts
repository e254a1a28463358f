import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { AuditEvent } from '../../../src/audit';
import { parentPortChannel } from '../../../src/cluster/channel';
import { REPLICA_TAG } from '../../../src/cluster/protocol';
import { openReplica, type ReplicaOptions, type TokenStoreReplica } from '../../../src/cluster/replica';
import type { ReplicaOwner } from '../../../src/cluster/replicaOwner';
import { serveReplicas } from '../../../src/cluster/serveReplicas';
import { startLink, type TokenStoreOptions } from '../../../src/startLink';
import type { TokenStoreHandle } from '../../../src/tokenStoreHandle';

const opened: MessagePort[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
let stores = 0;

/** A real MessageChannel whose one end the owner serves; the other end is the test's. */
export function attachedPort(owner: ReplicaOwner, label = 'test port'): MessagePort {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  owner.attach(parentPortChannel(port1, label));
  return port2;
}

/** A replica of `owner`'s store over a real MessageChannel to it, ready to serve; `options` go to `openReplica`. */
export async function replicaOf(
  owner: ReplicaOwner,
  label?: string,
  options: Omit<ReplicaOptions, 'channel'> = {},
): Promise<{ replica: TokenStoreReplica; port: MessagePort; seen: unknown[] }> {
  const port = attachedPort(owner, label);
  const seen: unknown[] = [];
  port.on('message', (message) => seen.push(message));
  const replica = openReplica({ channel: parentPortChannel(port, 'owner'), name: owner.name, callTimeoutMs: 5_000, ...options });
  await replica.whenReady();
  return { replica, port, seen };
}

/** A store and its owner in this thread, with the audit trail recorded. */
export function ownedStore(
  options: TokenStoreOptions & { ackTimeoutMs?: number } = {},
): { store: TokenStoreHandle; owner: ReplicaOwner; audit: AuditEvent[] } {
  stores += 1;
  const audit: AuditEvent[] = [];
  const { ackTimeoutMs, ...storeOptions } = options;
  const store = startLink({ name: `replica-test.${stores}`, onAudit: (event) => audit.push(event), ...storeOptions });
  const owner = serveReplicas(store, { ackTimeoutMs: ackTimeoutMs ?? 5_000 });
  cleanups.push(() => owner.close(), () => store.stop());
  return { store, owner, audit };
}

/** The next message on `port` that satisfies `test`. */
export function nextMessage(port: MessagePort, test: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (message: Record<string, unknown>) => {
      if (!test(message)) return;
      port.off('message', listener);
      resolve(message);
    };
    port.on('message', listener);
  });
}

/** Says hello for store `name` on a raw port and resolves with the state the owner answers: every earlier message was handled by then. */
export function hello(port: MessagePort, name: string): Promise<Record<string, unknown>> {
  const state = nextMessage(port, (message) => message.kind === 'state' && message.name === name);
  port.postMessage({ tag: REPLICA_TAG, kind: 'hello', name });
  return state;
}

/** Closes every port and stops every owner and store the test opened. */
export async function closeAll(): Promise<void> {
  for (const port of opened.splice(0)) port.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
}
