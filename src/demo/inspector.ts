import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InspectionEvent, Observer } from 'xstate';
import { breakGlassSanitizers } from '../inspection/sanitizers';

/** The loopback address the relay binds to; never a wildcard (see docs/devtools.md). */
const HOST = '127.0.0.1';
/** How many recent messages the relay replays to a browser that connects late, as @statelyai/inspect's own server. */
const REPLAY = 200;

/** The Stately inspector, relayed to a browser over loopback. */
export interface DemoInspector {
  /** The page to open in a browser on this host: it embeds the Stately inspector and feeds it. */
  readonly url: string;
  /** For `createWebSocketReceiver` or any WebSocket client on this host. */
  readonly webSocketUrl: string;
  /** The `inspect` option to hand `startSupervisor` or `startLink`. */
  readonly inspect: Observer<InspectionEvent>;
  close(): Promise<void>;
}

// The subset of `ws` the relay uses; the package ships no types of its own.
interface RelaySocket {
  readonly readyState: number;
  send(data: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
}
interface RelayServer {
  readonly clients: Set<RelaySocket>;
  on(event: 'connection', listener: (socket: RelaySocket) => void): void;
  close(callback: () => void): void;
}
interface WsModule {
  WebSocketServer: new (options: {
    server: ReturnType<typeof createServer>;
    verifyClient: (info: { origin: string | undefined; req: IncomingMessage }) => boolean;
  }) => RelayServer;
}
const OPEN = 1;

/**
 * Starts a relay for the Stately inspector bound to 127.0.0.1 and an inspector
 * that feeds it, with `breakGlassSanitizers` on top of the library's own
 * redaction. The relay replays recent events to whoever connects, so it must not
 * be reachable from another host, and it refuses WebSocket connections from web
 * pages other than its own: a page on any site could otherwise open
 * `ws://127.0.0.1:<port>` from the developer's browser and read the replay.
 */
export async function startDemoInspector(port: number): Promise<DemoInspector> {
  /* eslint-disable @typescript-eslint/no-require-imports -- `ws` is CommonJS without types; @statelyai/inspect is an ES module, required natively by Node 20.19+. */
  const { WebSocketServer } = require('ws') as WsModule;
  const { createWebSocketInspector } = require('@statelyai/inspect') as {
    createWebSocketInspector(options: object): { inspect: Observer<InspectionEvent>; stop(): void };
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  let origin = '';
  const http = createServer((request, response) => {
    if ((request.url ?? '/') !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(bridgePage(origin.replace(/^http/, 'ws')));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, HOST, resolve);
  });
  const { port: bound } = http.address() as AddressInfo;
  origin = `http://${HOST}:${bound}`;
  const relay = new WebSocketServer({
    server: http,
    // Node clients send no Origin; browsers always do, and only the bridge page's own is let in.
    verifyClient: ({ origin: from }) => from === undefined || from === origin,
  });
  const recent: string[] = [];
  relay.on('connection', (socket) => {
    for (const message of recent) socket.send(message);
    socket.on('message', (data) => {
      const message = data.toString();
      recent.push(message);
      if (recent.length > REPLAY) recent.shift();
      for (const client of relay.clients) if (client !== socket && client.readyState === OPEN) client.send(message);
    });
  });
  const webSocketUrl = `ws://${HOST}:${bound}`;
  const inspector = createWebSocketInspector({ url: webSocketUrl, ...breakGlassSanitizers });
  return {
    url: origin,
    webSocketUrl,
    inspect: inspector.inspect,
    close: async () => {
      inspector.stop();
      for (const client of relay.clients) client.terminate();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The page a browser opens: it embeds the Stately inspector and posts it what the relay sends. */
function bridgePage(webSocketUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>break-glass: Stately inspector</title>
<style>html, body, iframe { margin: 0; width: 100%; height: 100%; border: 0; }</style></head>
<body>
<iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
  const frame = document.getElementById('inspector');
  const waiting = [];
  let connected = false;
  window.addEventListener('message', (message) => {
    if (message.data && message.data.type === '@statelyai.connected') {
      connected = true;
      waiting.splice(0).forEach((event) => frame.contentWindow.postMessage(event, '*'));
    }
  });
  new WebSocket(${JSON.stringify(webSocketUrl)}).onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (connected) frame.contentWindow.postMessage(event, '*');
    else waiting.push(event);
  };
</script>
</body>
</html>
`;
}
