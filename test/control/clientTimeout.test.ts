import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { BreakGlassError, ControlTimeoutError, ControlUnreachableError, sendControlRequest } from '../../src';
import { cleanUp, privateDirectory } from './harness';

// sendControlRequest tells "nothing took the connection" from "something took it and did not
// answer": only the first means the request cannot have been carried out.

const servers: Server[] = [];
const connections: Socket[] = [];

afterEach(async () => {
  for (const socket of connections.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await cleanUp();
});

/** A socket that takes every connection and never answers; resolves with the first line it reads. */
async function silent(): Promise<{ path: string; firstRequest: Promise<string> }> {
  const path = join(privateDirectory(), 'silent.sock');
  let received: (line: string) => void = () => undefined;
  const firstRequest = new Promise<string>((resolve) => (received = resolve));
  const server = createServer((socket) => {
    connections.push(socket);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) received(text.slice(0, text.indexOf('\n')));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, firstRequest };
}

describe('sendControlRequest() timeouts', () => {
  it('rejects with ControlTimeoutError (ERR_CONTROL_TIMEOUT) once the request was taken and no answer came', async () => {
    const service = await silent();
    const error: unknown = await sendControlRequest(service.path, { command: 'clear' }, { timeoutMs: 30 }).catch((caught: unknown) => caught);
    expect(await service.firstRequest).toBe('{"command":"clear"}');
    expect(error).toBeInstanceOf(ControlTimeoutError);
    expect(error).toBeInstanceOf(BreakGlassError);
    expect(error).not.toBeInstanceOf(ControlUnreachableError);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_TIMEOUT', socketPath: service.path, operation: 'clear', timeoutMs: 30, sent: true });
    expect((error as Error).message).toBe(
      `the service at ${service.path} accepted the connection but did not answer clear within 30 ms; ` +
        'the request may have been carried out: check with status',
    );
  });

  it('says so when the timeout ran out before the connection opened, so nothing was sent', () => {
    // A timeout shorter than one turn of the event loop; too short to stage against a real socket every time.
    const error = new ControlTimeoutError('/run/bg.sock', 'issue', 1, false);
    expect(error).toMatchObject({ code: 'ERR_CONTROL_TIMEOUT', sent: false });
    expect(error.message).toBe('the connection to the service at /run/bg.sock did not open within 1 ms; issue was not sent');
  });

  it('is a timeout, not "no service", however short: the --timeout 1 of the report', async () => {
    const service = await silent();
    await expect(sendControlRequest(service.path, { command: 'issue' }, { timeoutMs: 1 })).rejects.toMatchObject({
      code: 'ERR_CONTROL_TIMEOUT',
      operation: 'issue',
    });
  });

  it('keeps ControlUnreachableError for a path where nothing takes the connection', async () => {
    const path = join(privateDirectory(), 'nobody.sock');
    await expect(sendControlRequest(path, { command: 'status' }, { timeoutMs: 30 })).rejects.toBeInstanceOf(ControlUnreachableError);
  });
});
