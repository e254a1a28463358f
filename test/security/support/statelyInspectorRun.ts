// Runs every operation under a real @statelyai/inspect inspector and prints, as JSON,
// what its adapter received in each serialisation its adapters use. Run by neverLeaks.test.ts.
import { inspect } from 'node:util';
import { createActor } from 'xstate';
import { breakGlassSanitizers, SecretToken, startLink } from '../../../src';
import { runEveryOperation } from './everyOperation';
import { cycleSafeJson } from './tokenEncodings';

/* eslint-disable @typescript-eslint/no-require-imports -- ES-module-only packages, loaded with Node's own require. */
const { createInspector } = require('@statelyai/inspect');
const safeStableStringify = require('safe-stable-stringify');
const fastSafeStringify = require('fast-safe-stringify');
const superjson = require('superjson');

function serialisations(event: unknown): string {
  return [
    cycleSafeJson(event),
    safeStableStringify.configure({ maximumDepth: 10 })(event),
    fastSafeStringify(event, undefined, 2, { depthLimit: 10, edgesLimit: 10 }),
    superjson.stringify(event),
    inspect(event, { depth: Infinity, maxArrayLength: Infinity }),
  ].join('\n');
}

async function main(): Promise<void> {
  const relayed: string[] = [];
  const unsanitized: string[] = [];
  const sanitizedInspector = createInspector({ send: (event: unknown) => relayed.push(serialisations(event)) }, {
    ...breakGlassSanitizers,
  });
  const plainInspector = createInspector({ send: (event: unknown) => unsanitized.push(serialisations(event)) });
  const both = (event: unknown) => {
    sanitizedInspector.inspect.next(event);
    plainInspector.inspect.next(event);
  };
  const run = await runEveryOperation(both);

  // Code that skips SecretToken and sends raw bytes: only the sanitizer keeps them from the relay.
  const store = startLink({ name: 'careless-sender', inspect: both, unsafeRawInspection: true });
  const token = await store.buildAndStore();
  const sender = createActor(
    (await import('xstate')).fromCallback(() => undefined),
    { inspect: both },
  ).start();
  store.actorRef!.send({ type: 'DELETE', token: Buffer.from(token), replyTo: sender } as never);
  store.actorRef!.send({ type: 'DELETE', token: SecretToken.wrap(token), replyTo: sender });
  sender.stop();
  await store.stop();

  // The inspector converts each event in a setTimeout(0) callback; a timer queued after the
  // last one fires after all of them, since Node runs timers of one duration in order.
  await new Promise((resolve) => setTimeout(resolve, 0));
  process.stdout.write(
    JSON.stringify({ tokens: [...run.tokens, token].map((bytes) => bytes.toString('hex')), relayed, unsanitized }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
