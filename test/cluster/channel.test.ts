import type { Worker as ClusterWorker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { MessagePort, Worker as ThreadWorker } from 'node:worker_threads';
import { clusterWorkerChannel, ipcChannel, parentPortChannel, threadWorkerChannel, type ReplicaChannel } from '../../src/cluster/channel';

/** What the channel's listeners saw: messages and closes, in order. */
function listenTo(channel: ReplicaChannel): { events: unknown[]; stopMessages: () => void; stopClose: () => void } {
  const events: unknown[] = [];
  const stopMessages = channel.onMessage((message) => events.push({ message }));
  const stopClose = channel.onClose(() => events.push('closed'));
  return { events, stopMessages, stopClose };
}

/** A stand-in for a `node:cluster` worker in the primary: an emitter with the parts the channel uses. */
function fakeClusterWorker() {
  const sent: unknown[][] = [];
  const kills: unknown[] = [];
  const worker = Object.assign(new EventEmitter(), {
    id: 3,
    connected: true,
    isConnected: () => worker.connected,
    send: (...args: unknown[]) => {
      sent.push(args);
      // Node answers a failed send through the callback; without one it would emit 'error'.
      (args[2] as (error: Error | null) => void)(new Error('channel closed'));
      return true;
    },
    process: { exitCode: null as number | null, signalCode: null as string | null, kill: (signal: string) => kills.push(signal) },
  });
  return { worker, sent, kills, channel: clusterWorkerChannel(worker as unknown as ClusterWorker) };
}

describe('clusterWorkerChannel()', () => {
  it('is labelled with the worker id and sends only while the worker is connected, swallowing a failed send', () => {
    const { worker, sent, channel } = fakeClusterWorker();
    expect(channel.label).toBe('cluster worker 3');
    channel.send({ n: 1 });
    worker.connected = false;
    channel.send({ n: 2 });
    expect(sent).toEqual([[{ n: 1 }, undefined, expect.any(Function)]]);
    expect((sent[0]![2] as () => unknown)()).toBeUndefined();
  });

  it('hands messages to the listener until stopped, and reports the worker gone once, on disconnect or exit', () => {
    const { worker, channel } = fakeClusterWorker();
    const { events, stopMessages, stopClose } = listenTo(channel);
    worker.emit('message', 'a');
    worker.emit('disconnect');
    worker.emit('exit', 0, null);
    worker.emit('disconnect');
    stopMessages();
    worker.emit('message', 'b');
    expect(events).toEqual([{ message: 'a' }, 'closed']);
    stopClose();
    expect([worker.listenerCount('message'), worker.listenerCount('disconnect'), worker.listenerCount('exit')]).toEqual([0, 0, 0]);
  });

  it('reports a disconnect or an exit on its own, and no close once stopped', () => {
    for (const event of ['disconnect', 'exit']) {
      const first = fakeClusterWorker();
      const heard = listenTo(first.channel);
      first.worker.emit(event);
      expect(heard.events).toEqual(['closed']);
    }
    const second = fakeClusterWorker();
    const stopped = listenTo(second.channel);
    stopped.stopClose();
    second.worker.emit('disconnect');
    second.worker.emit('exit', 0, null);
    expect(stopped.events).toEqual([]);
  });

  it('severs a running worker with SIGKILL, and leaves one that exited or was signalled alone', () => {
    const running = fakeClusterWorker();
    running.channel.sever();
    expect(running.kills).toEqual(['SIGKILL']);
    const exited = fakeClusterWorker();
    exited.worker.process.exitCode = 0;
    exited.channel.sever();
    const signalled = fakeClusterWorker();
    signalled.worker.process.signalCode = 'SIGTERM';
    signalled.channel.sever();
    expect([...exited.kills, ...signalled.kills]).toEqual([]);
  });
});

function fakeEndpoint(parts: { connected?: boolean; send?: boolean; kill?: boolean; disconnect?: boolean } = {}) {
  const calls: unknown[][] = [];
  const endpoint = Object.assign(new EventEmitter(), { connected: parts.connected ?? true }) as EventEmitter & {
    connected?: boolean;
    send?: (...args: unknown[]) => boolean;
    kill?: (signal?: string) => boolean;
    disconnect?: () => void;
  };
  if (parts.send ?? true) {
    endpoint.send = (...args: unknown[]) => {
      calls.push(['send', ...args]);
      return true;
    };
  }
  if (parts.kill ?? false) endpoint.kill = (signal) => calls.push(['kill', signal]) > 0;
  if (parts.disconnect ?? true) endpoint.disconnect = () => void calls.push(['disconnect']);
  return { endpoint, calls, channel: ipcChannel(endpoint, 'the owner') };
}

describe('ipcChannel()', () => {
  it('has the label it was given and sends only while connected, with a callback that swallows a failed send', () => {
    const { endpoint, calls, channel } = fakeEndpoint();
    expect(channel.label).toBe('the owner');
    channel.send({ n: 1 });
    endpoint.connected = false;
    channel.send({ n: 2 });
    endpoint.connected = undefined;
    channel.send({ n: 3 });
    expect(calls).toEqual([['send', { n: 1 }, undefined, {}, expect.any(Function)]]);
    expect((calls[0]![4] as (error: Error | null) => unknown)(new Error('closed'))).toBeUndefined();
  });

  it('does nothing on send when the endpoint has no IPC channel', () => {
    const { calls, channel } = fakeEndpoint({ send: false });
    expect(() => channel.send({ n: 1 })).not.toThrow();
    expect(calls).toEqual([]);
  });

  it('hands messages to the listener until stopped, and reports the other end gone once, on disconnect or exit', () => {
    const { endpoint, channel } = fakeEndpoint();
    const { events, stopMessages, stopClose } = listenTo(channel);
    endpoint.emit('message', 'a');
    endpoint.emit('exit', 0, null);
    endpoint.emit('disconnect');
    stopMessages();
    endpoint.emit('message', 'b');
    expect(events).toEqual([{ message: 'a' }, 'closed']);
    stopClose();
    expect([endpoint.listenerCount('message'), endpoint.listenerCount('disconnect'), endpoint.listenerCount('exit')]).toEqual([0, 0, 0]);
    for (const event of ['disconnect', 'exit']) {
      const other = fakeEndpoint();
      const heard = listenTo(other.channel);
      other.endpoint.emit(event);
      expect(heard.events).toEqual(['closed']);
    }
  });

  it('severs a child process with SIGKILL, and disconnects a process that cannot be killed while it is connected', () => {
    const child = fakeEndpoint({ kill: true });
    child.channel.sever();
    expect(child.calls).toEqual([['kill', 'SIGKILL']]);
    const self = fakeEndpoint();
    self.channel.sever();
    expect(self.calls).toEqual([['disconnect']]);
    const gone = fakeEndpoint({ connected: false });
    gone.channel.sever();
    expect(gone.calls).toEqual([]);
    const bare = fakeEndpoint({ disconnect: false });
    expect(() => bare.channel.sever()).not.toThrow();
  });
});

function fakeThreadWorker() {
  const posted: unknown[] = [];
  let terminated = 0;
  const worker = Object.assign(new EventEmitter(), {
    threadId: 7,
    postMessage: (message: unknown) => void posted.push(message),
    terminate: () => {
      terminated += 1;
      return Promise.resolve(0);
    },
  });
  return { worker, posted, terminated: () => terminated, channel: threadWorkerChannel(worker as unknown as ThreadWorker) };
}

describe('threadWorkerChannel()', () => {
  it('is labelled with the thread id and posts until the worker exits', () => {
    const { worker, posted, channel } = fakeThreadWorker();
    expect(channel.label).toBe('worker thread 7');
    channel.send('a');
    worker.emit('exit', 0);
    channel.send('b');
    expect(posted).toEqual(['a']);
  });

  it('hands messages to the listener until stopped, reports the exit once, and terminates the worker on sever', () => {
    const { worker, channel, terminated } = fakeThreadWorker();
    const { events, stopMessages, stopClose } = listenTo(channel);
    worker.emit('message', 'a');
    worker.emit('exit', 0);
    worker.emit('exit', 0);
    stopMessages();
    worker.emit('message', 'b');
    expect(events).toEqual([{ message: 'a' }, 'closed']);
    stopClose();
    expect([worker.listenerCount('message'), worker.listenerCount('exit')]).toEqual([0, 0]);
    channel.sever();
    expect(terminated()).toBe(1);
  });
});

function fakePort() {
  const posted: unknown[] = [];
  let closes = 0;
  const port = Object.assign(new EventEmitter(), {
    postMessage: (message: unknown) => void posted.push(message),
    close: () => void (closes += 1),
  });
  return { port, posted, closes: () => closes };
}

describe('parentPortChannel()', () => {
  it('is labelled "main thread" by default, or as told, and posts until the port closes', () => {
    const { port, posted } = fakePort();
    const channel = parentPortChannel(port as unknown as MessagePort);
    expect(channel.label).toBe('main thread');
    expect(parentPortChannel(fakePort().port as unknown as MessagePort, 'replica 2').label).toBe('replica 2');
    channel.send('a');
    port.emit('close');
    channel.send('b');
    expect(posted).toEqual(['a']);
  });

  it('hands messages to the listener until stopped, reports the close once, and closes the port on sever', () => {
    const { port, closes } = fakePort();
    const channel = parentPortChannel(port as unknown as MessagePort);
    const { events, stopMessages, stopClose } = listenTo(channel);
    port.emit('message', 'a');
    port.emit('close');
    port.emit('close');
    stopMessages();
    port.emit('message', 'b');
    expect(events).toEqual([{ message: 'a' }, 'closed']);
    stopClose();
    expect([port.listenerCount('message'), port.listenerCount('close')]).toEqual([0, 0]);
    channel.sever();
    expect(closes()).toBe(1);
  });
});
