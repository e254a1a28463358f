/**
 * @jest-environment-options {"customExportConditions": ["development", "node", "require", "default"]}
 */
import { createActor, fromCallback } from 'xstate';
import { SecretToken, startLink, tokenStoreMachine, type TokenStoreHandle } from '../../src';
import { findTokenIn, renderings } from './support/tokenEncodings';

// This file loads XState's development build (the `development` export condition), which
// prints `JSON.stringify(event)` for every event sent to a stopped actor.
// Only the options are set here, not the environment: naming `node` above would stop a runner
// from wrapping the project's environment (mutation testing does, to collect coverage per test).

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await store?.stop();
  store = undefined;
});

describe('XState development build', () => {
  it('is the build under test: it warns about an event sent to a stopped actor', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const actor = createActor(fromCallback(() => undefined)).start();
    actor.stop();
    actor.send({ type: 'PING' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"type":"PING"'));
  });

  it('prints a DELETE sent to a stopped store with its token redacted', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    store = startLink({ name: 'dev-build' });
    const token = await store.buildAndStore();
    const actor = store.actorRef!;
    await store.stop();
    actor.send({ type: 'DELETE', token: SecretToken.wrap(token) });
    actor.send({ type: 'CONSUME', token: SecretToken.wrap(token), requestId: 1 });
    const printed = warn.mock.calls.map((call) => renderings(call)).join('\n');
    expect(printed).toContain('"token":"[redacted]"');
    expect(findTokenIn(printed, [token])).toBeUndefined();
  });

  it('prints a BUILT reply that reaches a stopped parent with its token redacted', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const storeActor = createActor(tokenStoreMachine).start();
    const stoppedParent = createActor(fromCallback(() => undefined)).start();
    // The store checks that replyTo is live; a reply relayed to an actor stopped since is what the warning shows.
    const reply = { type: 'BreakGlass.BUILT', token: SecretToken.wrap(Buffer.alloc(32, 9)) };
    stoppedParent.stop();
    stoppedParent.send(reply as never);
    storeActor.stop();
    const printed = warn.mock.calls.map((call) => renderings(call)).join('\n');
    expect(printed).toContain('"token":"[redacted]"');
    expect(findTokenIn(printed, [Buffer.alloc(32, 9)])).toBeUndefined();
  });
});
