import { createActor, fromTransition, type InspectionEvent } from 'xstate';
import {
  redactedInspector,
  redactInspectionEvent,
  sanitizeInspectionEvent,
  sanitizedInspect,
  startLink,
  tokenStoreMachine,
  type RedactedInspectionEvent,
  type TokenStoreHandle,
} from '../../src';
import { countingRandomSource } from '../support/stores';
import { heldTokenContext } from './support/heldTokenContext';
import { unreadableSnapshotLogic } from './support/unreadableLogic';

let store: TokenStoreHandle | undefined;
afterEach(async () => {
  await store?.stop();
  store = undefined;
});

describe('redactedInspector as the inspect of a store started with startLink', () => {
  async function records() {
    const seen: RedactedInspectionEvent[] = [];
    store = startLink({ name: 'redacted-records', inspect: redactedInspector((event) => seen.push(event)), randomBytes: countingRandomSource(), now: () => 1_000 });
    await store.buildAndStore();
    const actor = store.actorRef!;
    return { seen, id: actor.sessionId, fingerprint: actor.getSnapshot().context.record!.sealed.fingerprint };
  }

  it('gives each event and snapshot as ids, the sanitized event, and the status, value and sanitized context', async () => {
    const { seen, id, fingerprint } = await records();
    const ids = { actorId: id, sessionId: id, rootId: id };
    const build = seen.find((record) => record.type === '@xstate.event' && (record.event as { type: string }).type === 'BUILD')!;
    const { replyTo, requestId } = build.event as { replyTo: { actor: string }; requestId: unknown };
    expect(build).toStrictEqual({ type: '@xstate.event', ...ids, event: { type: 'BUILD', replyTo, requestId } });

    const reply = seen.find((record) => record.type === '@xstate.event' && (record.event as { type: string }).type === 'BreakGlass.BUILT')!;
    expect(reply).toStrictEqual({
      type: '@xstate.event',
      actorId: replyTo.actor,
      sessionId: expect.any(String),
      rootId: id,
      event: { type: 'BreakGlass.BUILT', requestId, token: '[redacted]', insertedAt: '1970-01-01T00:00:01.000Z', fingerprint },
    });

    const after = seen.find((record) => record.type === '@xstate.snapshot' && (record.event as { type: string }).type === 'BUILD')!;
    expect(after).toStrictEqual({
      type: '@xstate.snapshot',
      ...ids,
      event: { type: 'BUILD', replyTo, requestId },
      snapshot: {
        status: 'active',
        value: 'holding',
        context: heldTokenContext(fingerprint, 1_000),
      },
    });
  });

  it('gives actions and microsteps as their ids only, and an actor as announced before its first snapshot', async () => {
    const { seen, id } = await records();
    const ids = { actorId: id, sessionId: id, rootId: id };
    const steps = seen.filter((record) => record.type === '@xstate.action' || record.type === '@xstate.microstep');
    expect(steps.map((record) => record.type)).toEqual(expect.arrayContaining(['@xstate.action', '@xstate.microstep']));
    for (const record of steps) expect(record).toStrictEqual({ type: record.type, ...ids });
    // XState announces an actor before it has a snapshot: status, value and context are not known yet.
    expect(seen.filter((record) => record.type === '@xstate.actor')).toStrictEqual([
      { type: '@xstate.actor', ...ids, snapshot: { status: undefined, value: undefined, context: undefined } },
    ]);
  });

  it('gives from raw events the records it gives from sanitized ones', async () => {
    const raw: InspectionEvent[] = [];
    store = startLink({ name: 'redacted-from-raw', unsafeRawInspection: true, inspect: (event) => void raw.push(event) });
    await store.buildAndStore();
    await store.clear();
    expect(raw.length).toBeGreaterThan(10);
    for (const event of raw) expect(redactInspectionEvent(event)).toStrictEqual(redactInspectionEvent(sanitizeInspectionEvent(event)));
  });
});

describe('redactInspectionEvent', () => {
  it('reads the current snapshot of the actor an @xstate.actor event announced', async () => {
    const raw: InspectionEvent[] = [];
    store = startLink({ name: 'redacted-later', unsafeRawInspection: true, now: () => 5_000, inspect: (event) => void raw.push(event) });
    await store.buildAndStore();
    const actor = store.actorRef!;
    const fingerprint = actor.getSnapshot().context.record!.sealed.fingerprint;
    const announced = raw.find((event) => event.type === '@xstate.actor')!;
    expect(redactInspectionEvent(announced)).toStrictEqual({
      type: '@xstate.actor',
      actorId: actor.id,
      sessionId: actor.sessionId,
      rootId: actor.sessionId,
      snapshot: {
        status: 'active',
        value: 'holding',
        context: heldTokenContext(fingerprint, 5_000),
      },
    });
  });

  it('leaves out a rootId that is not a string, and gives ids as strings', async () => {
    const raw: InspectionEvent[] = [];
    store = startLink({ name: 'redacted-odd-ids', unsafeRawInspection: true, inspect: (event) => void raw.push(event) });
    const init = raw.find((event) => event.type === '@xstate.event')!;
    const odd = { ...init, rootId: { secret: 'abc' }, actorRef: { ...init.actorRef, id: 7, sessionId: 8 } } as unknown as InspectionEvent;
    expect(redactInspectionEvent(odd)).toMatchObject({ type: '@xstate.event', actorId: '7', sessionId: '8', rootId: undefined });
  });

  it.each<[string, unknown, unknown]>([
    ['a number', 42, 42],
    ['null', null, null],
    ['a record', { password: 'abc', attempts: 2 }, { password: '[redacted]', attempts: 2 }],
    ['an array, put under value', [1, 2], { value: [1, 2] }],
  ])('gives a context that is %s as sanitizeContext does for objects, as itself otherwise', (_label, context, shown) => {
    const seen: RedactedInspectionEvent[] = [];
    const actor = createActor(fromTransition((state) => state, context), { inspect: redactedInspector((event) => seen.push(event)) }).start();
    expect(seen.find((record) => record.type === '@xstate.snapshot')!.snapshot).toStrictEqual({ status: 'active', value: undefined, context: shown });
    actor.stop();
  });

  it('gives an event it cannot read as an unreadable record, and one whose snapshot the sanitizer could not read with that status', () => {
    const raw: RedactedInspectionEvent[] = [];
    const actor = createActor(unreadableSnapshotLogic, { inspect: redactedInspector((event) => raw.push(event)) }).start();
    actor.send({ type: 'PING' });
    actor.stop();
    // The events stay readable; every snapshot, read raw, is not.
    expect(raw.filter((record) => record.type === '@xstate.event').map((record) => record.event)).toStrictEqual([
      { type: 'xstate.init', input: undefined },
      { type: 'PING' },
    ]);
    const others = raw.filter((record) => record.type !== '@xstate.actor' && record.type !== '@xstate.event');
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const record of others) {
      expect(record).toStrictEqual({ type: 'unreadable', actorId: 'unknown', sessionId: 'unknown', rootId: undefined });
    }

    const sanitized: RedactedInspectionEvent[] = [];
    createActor(unreadableSnapshotLogic, { inspect: sanitizedInspect(redactedInspector((event) => sanitized.push(event))) }).start().stop();
    expect(sanitized.find((record) => record.type === '@xstate.snapshot')!.snapshot).toStrictEqual({
      status: 'unreadable',
      value: undefined,
      context: undefined,
    });
  });
});

describe('a redactedInspector whose next throws', () => {
  it('leaves the actor working, and stays silent about it', () => {
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      let calls = 0;
      const actor = createActor(tokenStoreMachine, {
        inspect: redactedInspector(() => {
          calls += 1;
          throw new Error('logger down');
        }),
      }).start();
      actor.send({ type: 'BUILD' });
      expect(actor.getSnapshot().value).toBe('holding');
      actor.send({ type: 'CLEAR' });
      expect(actor.getSnapshot().value).toBe('empty');
      expect(calls).toBeGreaterThan(6);
      actor.stop();
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });
});
