import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { serveConnection, type ConnectionSettings } from '../../src/control/connection';
import type { ControlResponse } from '../../src/control/protocol';
import { cleanUp, exchange, privateDirectory, rawClient } from './harness';

// One connection as serveConnection frames it, over a real socket, with an answer
// function that records what it was asked: line limits to the byte, lines split over
// many chunks, order and one-at-a-time answers, and how the connection ends.

const servers: Server[] = [];
const accepted: Socket[] = [];

afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await cleanUp();
});

interface Served {
  readonly path: string;
  /** Resolves once the service's side of the next connection has read `text` (its own reader runs first). */
  readonly read: (text: string) => Promise<void>;
  /** The service's side of the last connection. */
  readonly socket: () => Socket;
  /** Every line `answer` was asked, in order. */
  readonly asked: string[];
  /** How many times the connection reported an oversized line. */
  readonly oversized: () => number;
}

/** Echoes each line back as the message of a failure, so the test can see exactly what was read. */
function echo(line: string): Promise<ControlResponse> {
  return Promise.resolve({ ok: false, command: null, error: { code: 'ERR_CONTROL_INTERNAL', message: line } });
}

async function serve(settings: Partial<ConnectionSettings> & { answer?: (line: string) => Promise<ControlResponse> } = {}): Promise<Served> {
  const path = join(privateDirectory(), 'connection.sock');
  const asked: string[] = [];
  let oversized = 0;
  const answer = settings.answer ?? echo;
  const readers: Array<{ text: string; resolve: () => void }> = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    let received = '';
    serveConnection(socket, {
      maxLineBytes: settings.maxLineBytes ?? 64,
      idleTimeoutMs: settings.idleTimeoutMs ?? 60_000,
      answer: (line) => {
        asked.push(line);
        return answer(line);
      },
      onOversized: () => {
        oversized += 1;
      },
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      for (const reader of readers.filter((waiting) => received.includes(waiting.text))) {
        readers.splice(readers.indexOf(reader), 1);
        reader.resolve();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const read = (text: string) => new Promise<void>((resolve) => readers.push({ text, resolve }));
  return { path, read, socket: () => accepted.at(-1) as Socket, asked, oversized: () => oversized };
}

const OVERSIZED_64 = { ok: false, command: null, error: { code: 'ERR_CONTROL_OVERSIZED', message: 'a request line may be at most 64 bytes' } };
const echoed = (line: string) => ({ ok: false, command: null, error: { code: 'ERR_CONTROL_INTERNAL', message: line } });

describe('the line limit', () => {
  it('accepts a line of exactly maxLineBytes bytes, newline excluded', async () => {
    const service = await serve();
    const line = 'a'.repeat(64);
    expect(await exchange(service.path, `${line}\n`)).toEqual([echoed(line)]);
    expect(service.oversized()).toBe(0);
  });

  it('counts bytes, not characters', async () => {
    const service = await serve();
    // 32 two-byte characters are 64 bytes; one more is 66.
    expect(await exchange(service.path, `${'é'.repeat(32)}\n`)).toEqual([echoed('é'.repeat(32))]);
    expect(await exchange(service.path, `${'é'.repeat(33)}\n`)).toEqual([OVERSIZED_64]);
  });

  it('refuses a line of maxLineBytes + 1 bytes with the exact failure, reports it once, and ends the connection', async () => {
    const service = await serve();
    const client = await rawClient(service.path);
    client.socket.write(`${'a'.repeat(65)}\n`);
    expect(await client.closed()).toBe(`${JSON.stringify(OVERSIZED_64)}\n`);
    expect(service.asked).toEqual([]);
    expect(service.oversized()).toBe(1);
  });

  it('accepts a last line of exactly maxLineBytes bytes that has no newline, and refuses one byte more before any newline', async () => {
    const service = await serve();
    expect(await exchange(service.path, 'b'.repeat(64))).toEqual([echoed('b'.repeat(64))]);
    expect(await exchange(service.path, 'b'.repeat(65))).toEqual([OVERSIZED_64]);
    expect(service.asked).toEqual(['b'.repeat(64)]);
  });

  it('answers the lines before an oversized one, and none after it', async () => {
    const service = await serve();
    const responses = await exchange(service.path, `first\n${'c'.repeat(65)}\nafter\n`);
    expect(responses).toEqual([echoed('first'), OVERSIZED_64]);
    expect(service.asked).toEqual(['first']);
  });
});

describe('framing', () => {
  it('reads a line that arrives in many chunks as one line', async () => {
    // Far larger than one read from a socket, so it cannot arrive in one chunk.
    const line = `{"padding":"${'p'.repeat(300_000)}"}`;
    const service = await serve({ maxLineBytes: 400_000 });
    const client = await rawClient(service.path);
    client.socket.write(line.slice(0, 150_000));
    client.socket.end(`${line.slice(150_000)}\n`);
    const text = await client.closed();
    expect(service.asked).toEqual([line]);
    expect(text).toBe(`${JSON.stringify(echoed(line))}\n`);
  });

  it('trims each line, skips blank ones, and takes \\r\\n as a newline', async () => {
    const service = await serve();
    const responses = await exchange(service.path, '  one \r\n\n   \n\ttwo\nthree');
    expect(responses).toEqual([echoed('one'), echoed('two'), echoed('three')]);
    expect(service.asked).toEqual(['one', 'two', 'three']);
  });

  it('answers nothing to a client that sends only blank lines, and ends the connection', async () => {
    const service = await serve();
    expect(await exchange(service.path, '\n \n\r\n')).toEqual([]);
    expect(service.asked).toEqual([]);
  });
});

describe('answers', () => {
  it('come one at a time and in order, a line read while another is being answered waiting its turn', async () => {
    let running = 0;
    let most = 0;
    let release: () => void = () => undefined;
    let slowStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const service = await serve({
      answer: async (line) => {
        running += 1;
        most = Math.max(most, running);
        if (line === 'slow') {
          slowStarted();
          await new Promise<void>((resolve) => (release = resolve));
        }
        running -= 1;
        return echo(line);
      },
    });
    const client = await rawClient(service.path);
    client.socket.write('slow\n');
    await started;
    const fastRead = service.read('fast');
    client.socket.write('fast\n');
    await fastRead;
    release();
    expect(await client.lines(2)).toEqual([echoed('slow'), echoed('fast')]);
    expect(most).toBe(1);
    expect(service.asked).toEqual(['slow', 'fast']);
    client.socket.end();
    await client.closed();
  });

  it('keeps up with more pipelined lines than it queues at once, and reads on once it has caught up', async () => {
    const service = await serve();
    const lines = Array.from({ length: 100 }, (_, index) => `line-${index}`);
    const client = await rawClient(service.path);
    client.socket.write(`${lines.join('\n')}\n`);
    expect(await client.lines(100)).toEqual(lines.map(echoed));
    // Reading paused while the queue was full; a line sent after the answers must still be read.
    client.socket.end('later\n');
    expect(await client.lines(101)).toEqual([...lines, 'later'].map(echoed));
    await client.closed();
  });

  it('all arrive when each is larger than the socket buffers, each written once the last has drained', async () => {
    const big = 'm'.repeat(200_000);
    const service = await serve({ answer: () => echo(big) });
    const text = await exchange(service.path, '1\n2\n3\n4\n5\n').then((responses) => responses.map((response) => JSON.stringify(response)).join('\n'));
    expect(text).toBe(Array.from({ length: 5 }, () => JSON.stringify(echoed(big))).join('\n'));
  });
});

describe('reading', () => {
  it.each([
    [15, false],
    [16, true],
  ])('given %i lines at once, the first still being answered, pauses: %p, and resumes once answers are out', async (count, paused) => {
    let release: () => void = () => undefined;
    const service = await serve({
      answer: async (line) => {
        if (line === 'first') await new Promise<void>((resolve) => (release = resolve));
        return echo(line);
      },
    });
    const client = await rawClient(service.path);
    const lines = ['first', ...Array.from({ length: count - 1 }, (_, index) => `line-${index}`)];
    const allRead = service.read(`line-${count - 2}\n`);
    client.socket.write(`${lines.join('\n')}\n`);
    await allRead;
    // The service's own reader ran first: the first line is being answered, the others wait.
    expect(service.asked).toEqual(['first']);
    expect(service.socket().isPaused()).toBe(paused);
    release();
    expect(await client.lines(lines.length)).toEqual(lines.map(echoed));
    expect(service.socket().isPaused()).toBe(false);
    client.socket.end();
    await client.closed();
  });
});

describe('reading, line by line', () => {
  it('resumes only once fewer than 16 lines wait', async () => {
    const pausedWhenAsked: boolean[] = [];
    let service: Served | undefined;
    service = await serve({
      answer: (line) => {
        pausedWhenAsked.push(service!.socket().isPaused());
        return echo(line);
      },
    });
    const client = await rawClient(service.path);
    const lines = Array.from({ length: 18 }, (_, index) => `line-${index}`);
    client.socket.write(`${lines.join('\n')}\n`);
    expect(await client.lines(18)).toEqual(lines.map(echoed));
    // Asked for line k once line k - 1 was answered: 17, then 16 lines still waited, then 15.
    expect(pausedWhenAsked).toEqual([true, true, true, ...Array.from({ length: 15 }, () => false)]);
    client.socket.end();
    await client.closed();
  });
});

describe('backpressure', () => {
  /** A client that reads nothing until `read()` is called. */
  async function stalledClient(path: string): Promise<{ socket: Socket; read: () => Promise<string> }> {
    const socket = connect(path);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    return {
      socket,
      read: () =>
        new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.once('close', () => resolve(text));
          socket.resume();
        }),
    };
  }

  it('answers the next line only once the last answer has drained to a client that reads nothing yet', async () => {
    const big = 'b'.repeat(1_000_000);
    let firstAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (firstAsked = resolve));
    const service = await serve({
      answer: (line) => {
        firstAsked();
        return echo(`${line}:${big}`);
      },
    });
    const client = await stalledClient(service.path);
    const bothRead = service.read('two\n');
    client.socket.end('one\ntwo\n');
    await Promise.all([asked, bothRead]);
    // Every continuation that does not wait on the socket has run by the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(service.asked).toEqual(['one']);
    const text = await client.read();
    expect(service.asked).toEqual(['one', 'two']);
    expect(text).toBe(`${JSON.stringify(echoed(`one:${big}`))}\n${JSON.stringify(echoed(`two:${big}`))}\n`);
  });

  it('leaves no listener behind for each answer it waited on, on any event', async () => {
    const big = 'w'.repeat(1_000_000);
    const listeners: number[] = [];
    let service: Served | undefined;
    service = await serve({
      answer: (line) => {
        // Each line is asked once the answer before it has drained.
        const serviceSide = service!.socket();
        listeners.push(serviceSide.eventNames().reduce((sum, event) => sum + serviceSide.listenerCount(event), 0));
        return echo(`${line}:${big}`);
      },
    });
    const lines = Array.from({ length: 12 }, (_, index) => `${index}`);
    const responses = await exchange(service.path, `${lines.join('\n')}\n`);
    expect(responses).toHaveLength(12);
    expect(listeners).toEqual(Array.from({ length: 12 }, () => listeners[0]));
  });

  it('reads nothing a client sends after an oversized line, even while its earlier answer waits to drain', async () => {
    const big = 'd'.repeat(1_000_000);
    const service = await serve({ answer: (line) => echo(`${line}:${big}`) });
    const client = await stalledClient(service.path);
    // The first line is answered; the second is too long; what follows must never be read as a request.
    const oversizedRead = service.read('x'.repeat(65));
    client.socket.write(`first\n${'x'.repeat(65)}`);
    await oversizedRead;
    // A request line, and then a line too long again: neither is read, nor answered.
    const laterRead = service.read('y'.repeat(100));
    client.socket.write(`later\n${'y'.repeat(100)}`);
    await laterRead;
    const text = await client.read();
    expect(service.asked).toEqual(['first']);
    expect(service.oversized()).toBe(1);
    expect(text).toBe(`${JSON.stringify(echoed(`first:${big}`))}\n${JSON.stringify(OVERSIZED_64)}\n`);
  });
});

describe('after an oversized line', () => {
  it("closes the service's side altogether once the answer is out, though the client keeps its own side open", async () => {
    const service = await serve();
    const client = connect({ path: service.path, allowHalfOpen: true });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    let text = '';
    client.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const clientSawEnd = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.write(`${'o'.repeat(65)}\n`);
    await clientSawEnd;
    const serviceSide = service.socket();
    if (!serviceSide.destroyed) await new Promise<void>((resolve) => serviceSide.once('close', () => resolve()));
    expect(serviceSide.destroyed).toBe(true);
    expect(text).toBe(`${JSON.stringify(OVERSIZED_64)}\n`);
    client.destroy();
  });
});

describe('the end of a connection', () => {
  it('stays open after the answers while the client has not ended its side', async () => {
    const service = await serve();
    const client = await rawClient(service.path);
    client.socket.write('one\n');
    expect(await client.lines(1)).toEqual([echoed('one')]);
    client.socket.write('two\n');
    expect(await client.lines(2)).toEqual([echoed('one'), echoed('two')]);
    client.socket.end();
    await client.closed();
  });

  it('is dropped after the idle timeout, answered lines or not', async () => {
    const service = await serve({ idleTimeoutMs: 50 });
    const client = await rawClient(service.path);
    client.socket.write('one\n');
    expect(await client.closed()).toBe(`${JSON.stringify(echoed('one'))}\n`);
  });
});
