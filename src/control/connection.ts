import type { Socket } from 'node:net';
import { failure, type ControlResponse } from './protocol';

/** How one client connection is served. @internal */
export interface ConnectionSettings {
  readonly maxLineBytes: number;
  readonly idleTimeoutMs: number;
  /** Answers one request line; must never reject. */
  readonly answer: (line: string) => Promise<ControlResponse>;
  /** Told about a line that was too long, which is answered here and ends the connection. */
  readonly onOversized: () => void;
}

const NEWLINE = 0x0a;
const OVERSIZED = Symbol('oversized');
// Pipelined lines beyond this many wait in the kernel rather than in our memory.
const MAX_QUEUED_LINES = 16;

/**
 * Serves one client: newline-framed requests answered one at a time and in
 * order. A client that stays silent for the idle timeout is dropped; a line
 * longer than the limit is answered with an error and the connection ends, since
 * the next request's start can no longer be told apart.
 * @internal
 */
export function serveConnection(socket: Socket, settings: ConnectionSettings): void {
  const queue: Array<string | typeof OVERSIZED> = [];
  let partial: Buffer = Buffer.alloc(0);
  let busy = false;
  let clientEnded = false;
  let finished = false;

  socket.setTimeout(settings.idleTimeoutMs, () => socket.destroy());
  // A client that vanishes mid-request is its own problem, never the service's.
  // Stryker disable next-line ArrowFunction: equivalent, a socket emits 'error' only from destroy(err), so it is destroyed already; the listener itself stays
  socket.on('error', () => socket.destroy());

  const enqueue = (line: Buffer) => {
    const text = line.toString('utf8').trim();
    if (text.length > 0) queue.push(text);
  };

  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    let data = Buffer.concat([partial, chunk]);
    let newline = data.indexOf(NEWLINE);
    while (newline !== -1 && !finished) {
      if (newline > settings.maxLineBytes) return oversized();
      enqueue(data.subarray(0, newline));
      data = data.subarray(newline + 1);
      newline = data.indexOf(NEWLINE);
    }
    if (data.length > settings.maxLineBytes) return oversized();
    // A copy, so the remainder does not pin a large chunk in memory.
    partial = Buffer.from(data);
    if (queue.length >= MAX_QUEUED_LINES) socket.pause();
    void pump();
  });

  socket.on('end', () => {
    clientEnded = true;
    // A last request without a trailing newline still counts: `printf '{"command":"status"}' | nc -U …`.
    // Once finished, partial is empty (oversized() emptied it and no data is read after), and enqueue drops an empty line.
    enqueue(partial);
    partial = Buffer.alloc(0);
    void pump();
  });

  function oversized(): void {
    finished = true;
    partial = Buffer.alloc(0);
    queue.push(OVERSIZED);
    void pump();
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    while (queue.length > 0 && !socket.destroyed) {
      const line = queue.shift() as string | typeof OVERSIZED;
      let response: ControlResponse;
      if (line === OVERSIZED) {
        settings.onOversized();
        response = failure('ERR_CONTROL_OVERSIZED', `a request line may be at most ${settings.maxLineBytes} bytes`);
      } else {
        response = await settings.answer(line);
      }
      // Stryker disable next-line ConditionalExpression: equivalent, a destroyed socket writes and emits nothing, so answering into it changes nothing seen
      if (socket.destroyed) break;
      if (!socket.write(`${JSON.stringify(response)}\n`)) await drained(socket);
      if (queue.length < MAX_QUEUED_LINES && !finished) socket.resume();
    }
    busy = false;
    // The loop leaves lines queued only on a destroyed socket.
    // Stryker disable next-line ConditionalExpression: equivalent, ending a destroyed socket writes and emits nothing
    if (socket.destroyed) return;
    // After an oversized line the client may still be sending: stop listening to it once the answer is out.
    if (finished) socket.end(() => socket.destroy());
    else if (clientEnded) socket.end();
  }
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      // Stryker disable next-line StringLiteral: equivalent, once() already removed the listener 'drain' called, and a socket closed before never emits 'drain'
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
