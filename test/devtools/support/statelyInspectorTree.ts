// Runs a supervised token store under a real @statelyai/inspect inspector whose adapter keeps
// what it is sent in memory, and prints as JSON what the adapter received. Run by
// inspector.test.ts in a plain Node process: the package is an ES module only, which jest's
// CommonJS runtime cannot load, while Node 20.19+ requires it natively.
//
// The inspector is given no sanitizers of its own: what it relays is what the library's
// default redaction lets through. A second inspector, attached with unsafeRawInspection,
// shows what the redaction withholds.
import { inspect } from 'node:util';
import { fromCallback, createActor } from 'xstate';
import { childSpec, cryptoRandomSource, SecretToken, startLink, startSupervisor } from '../../../src';

/* eslint-disable @typescript-eslint/no-require-imports -- ES-module-only packages, loaded with Node's own require. */
const { createInspector } = require('@statelyai/inspect');
const safeStableStringify = require('safe-stable-stringify');
const superjson = require('superjson');

/** What a relay could carry: the adapter's event as JSON (as the WebSocket adapter sends it), superjson (Sky) and util.inspect. */
function serialisations(event: unknown): string {
  return [
    safeStableStringify.configure({ maximumDepth: 10 })(event),
    superjson.stringify(event),
    inspect(event, { depth: Infinity, maxArrayLength: Infinity, getters: true }),
  ].join('\n');
}

async function main(): Promise<void> {
  const tokens: Buffer[] = [];
  let broken = false;
  const randomBytes = (size: number): Uint8Array => {
    // A short draw is the store's own crash case; the supervisor restarts it.
    if (broken) return new Uint8Array(size - 1);
    const bytes = cryptoRandomSource(size);
    tokens.push(Buffer.from(bytes));
    return bytes;
  };

  const received: unknown[] = [];
  const relayed: string[] = [];
  const inspector = createInspector({
    send: (event: unknown) => {
      relayed.push(serialisations(event));
      received.push(JSON.parse(safeStableStringify.configure({ maximumDepth: 10 })(event)));
    },
  });

  const supervisor = startSupervisor({
    name: 'devtools-supervisor',
    inspect: inspector.inspect,
    children: [childSpec({ name: 'devtools-store', randomBytes })],
  });
  const store = supervisor.store();
  const first = await store.buildAndStore();
  store.lookup(first);
  await store.delete(first);
  const second = await store.buildAndStore();
  await store.consume(second);
  await store.buildAndStore();
  await store.clear();
  broken = true;
  await store.buildAndStore().catch(() => undefined);
  broken = false;
  const afterRestart = await store.buildAndStore();

  // Code that skips SecretToken and sends raw bytes in a field that does not sound secret: the
  // library's redaction withholds them from the default inspector, the raw one sees them.
  const rawRelayed: string[] = [];
  const rawInspector = createInspector({ send: (event: unknown) => rawRelayed.push(serialisations(event)) });
  const careless = startLink({ name: 'devtools-careless', randomBytes, inspect: rawInspector.inspect, unsafeRawInspection: true });
  const carelessDefault = startLink({ name: 'devtools-careless-default', randomBytes, inspect: inspector.inspect });
  const sender = createActor(fromCallback(() => undefined)).start();
  const carelessToken = await careless.buildAndStore();
  await carelessDefault.buildAndStore();
  for (const target of [careless, carelessDefault]) {
    target.actorRef!.send({ type: 'DELETE', candidate: Buffer.from(carelessToken), replyTo: sender } as never);
    target.actorRef!.send({ type: 'DELETE', token: SecretToken.wrap(carelessToken), replyTo: sender });
  }
  sender.stop();
  await Promise.all([careless.stop(), carelessDefault.stop(), supervisor.stop()]);

  // The inspector converts each event in a setTimeout(0) callback; a timer queued after the
  // last one fires after all of them, since Node runs timers of one duration in order.
  await new Promise((resolve) => setTimeout(resolve, 0));
  process.stdout.write(
    JSON.stringify({
      tokens: tokens.map((bytes) => bytes.toString('hex')),
      carelessToken: carelessToken.toString('hex'),
      restartedToken: afterRestart.toString('hex'),
      received,
      relayed,
      rawRelayed,
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
