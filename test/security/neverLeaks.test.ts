import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InspectionEvent } from 'xstate';
import { redactInspectionEvent, sanitizeContext, sanitizeEvent } from '../../src';
import { runEveryOperation, type OperationsRun } from './support/everyOperation';
import { encodingsOf, findTokenIn, renderings } from './support/tokenEncodings';

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** Captures everything written to the console while `run` runs, without printing it. */
async function withConsoleCaptured<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const spies = consoleMethods.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(renderings(args))),
  );
  try {
    return { result: await run(), output: lines.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('a raw inspect observer', () => {
  let seen: InspectionEvent[];
  let run: OperationsRun;
  let consoleOutput: string;

  beforeAll(async () => {
    seen = [];
    const captured = await withConsoleCaptured(() => runEveryOperation((event) => void seen.push(event)));
    run = captured.result;
    consoleOutput = captured.output;
  });

  it('sees every operation, so the search below covers real traffic', () => {
    const eventTypes = seen.flatMap((event) => (event.type === '@xstate.event' ? [event.event.type] : []));
    for (const type of ['BUILD', 'DELETE', 'CONSUME', 'CLEAR', 'BreakGlass.BUILT', 'BreakGlass.DELETED']) {
      expect(eventTypes).toContain(type);
    }
    // Tokens from the first store (four), its restart (one), the supervised store (two) and the parent's child (one).
    expect(run.tokens).toHaveLength(8);
    expect(run.audit.map((event) => event.type)).toContain('store.restarted');
  });

  it('never receives a token in any encoding, in any inspection event type', () => {
    const leaks = seen.flatMap((event, index) => {
      const found = findTokenIn(renderings(event), run.tokens);
      return found === undefined ? [] : [`event ${index} (${event.type}) holds ${found}`];
    });
    expect(leaks).toEqual([]);
  });

  it('gets only the redacted marker where a token travels in an event', () => {
    const withToken = seen.flatMap((event) =>
      event.type === '@xstate.event' && 'token' in event.event ? [JSON.stringify(event.event.token)] : [],
    );
    expect(withToken.length).toBeGreaterThanOrEqual(5);
    expect(new Set(withToken)).toEqual(new Set(['"[redacted]"']));
  });

  it('sees nothing through redactInspectionEvent that names a token or holds a function', () => {
    const redacted = JSON.stringify(seen.map(redactInspectionEvent));
    expect(findTokenIn(redacted, run.tokens)).toBeUndefined();
    expect(redacted).toContain('[redacted]');
  });

  it('leaves no token in audit events, returned values, errors or console output', () => {
    expect(run.audit.map((event) => event.type)).toEqual(
      expect.arrayContaining(['store.started', 'token.built', 'token.deleted', 'token.consumed', 'token.cleared', 'store.exited']),
    );
    expect(findTokenIn(renderings(run.audit), run.tokens)).toBeUndefined();
    expect(findTokenIn(run.returned.map(renderings).join('\n'), run.tokens)).toBeUndefined();
    expect(findTokenIn(consoleOutput, run.tokens)).toBeUndefined();
  });

  it('gets a crash reason with the error code in place of the failure text', () => {
    const crash = run.returned.find((value): value is Error & { code: string } => value instanceof Error);
    expect(crash?.code).toBe('ERR_STORE_EXITED');
  });
});

describe('findTokenIn()', () => {
  // The check above is only as good as this search: it must find a token in every form it claims to cover.
  it('finds a token printed as hex, base64, base64url, a JSON byte array and a util.inspect Buffer', () => {
    const token = Buffer.from(Array.from({ length: 32 }, (_, index) => (index * 37 + 11) % 256));
    const forms = [
      token.toString('hex'),
      token.toString('base64'),
      token.toString('base64url'),
      JSON.stringify(token),
      JSON.stringify(Array.from(token)),
      renderings(token),
      renderings(new Uint8Array(token)),
      renderings({ nested: { bytes: token.subarray(0, 20) } }),
    ];
    for (const form of forms) expect(findTokenIn(`prefix ${form} suffix`, [token])).toBeDefined();
    expect(encodingsOf(token).length).toBeGreaterThan(6);
  });
});

describe('sanitizeEvent()', () => {
  it('withholds raw token bytes sent by code that skipped SecretToken', () => {
    const token = Buffer.alloc(32, 0xab);
    const sanitized = sanitizeEvent({ type: 'DELETE', token, candidate: new Uint8Array(token), nested: { data: token.buffer } });
    expect(findTokenIn(renderings(sanitized), [token])).toBeUndefined();
    expect(sanitized).toEqual({
      type: 'DELETE',
      token: '[redacted]',
      candidate: '[redacted] 32 bytes',
      nested: { data: expect.stringMatching(/^\[redacted\] \d+ bytes$/) },
    });
  });

  it('answers a plain copy for cyclic, huge and throwing events without throwing', () => {
    const cyclic: Record<string, unknown> = { type: 'X' };
    cyclic.self = cyclic;
    const throwing = Object.defineProperty({ type: 'Y' }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(sanitizeEvent(cyclic as { type: string })).toEqual({ type: 'X', self: '[cycle]' });
    expect(sanitizeEvent(throwing)).toEqual({ type: 'Y', bad: '[unreadable]' });
    const huge = sanitizeEvent({ type: 'Z', list: new Array(10_000).fill(1), text: 'a'.repeat(100_000) });
    expect(JSON.stringify(huge).length).toBeLessThan(3000);
    const hostile = new Proxy({}, { get: () => { throw new Error('trap'); } });
    expect(sanitizeEvent(hostile as { type: string })).toEqual({ type: '[unreadable]' });
  });
});

describe('sanitizeContext()', () => {
  it('shows a sealed token as the redacted marker and its fingerprint, and functions as markers', async () => {
    const { startLink } = await import('../../src');
    const store = startLink({ name: 'sanitize-context' });
    try {
      const token = await store.buildAndStore();
      const context = sanitizeContext(store.actorRef!.getSnapshot().context);
      expect(context).toMatchObject({
        record: { sealed: expect.stringMatching(/^\[redacted\] [0-9a-f]{16}$/) },
        deps: { randomBytes: '[function]', ttlMs: null },
      });
      expect(findTokenIn(renderings(context), [token])).toBeUndefined();
    } finally {
      await store.stop();
    }
  });
});

describe('@statelyai/inspect with breakGlassSanitizers', () => {
  // The inspector ships as an ES module only, which this CommonJS test runner cannot load; it runs in
  // a plain Node process that reports everything its adapter received, in every serialisation it uses.
  it('relays no encoding of any token, whichever adapter serialisation is used', async () => {
    const script = join(__dirname, 'support', 'statelyInspectorRun.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
      cwd: join(__dirname, '..', '..'),
      maxBuffer: 256 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as { tokens: string[]; relayed: string[]; unsanitized: string[] };
    const tokens = report.tokens.map((hex) => Buffer.from(hex, 'hex'));
    // Eight from every operation, and one a careless sender then put in an event as raw bytes.
    expect(tokens).toHaveLength(9);
    expect(report.relayed.length).toBeGreaterThan(50);
    expect(report.relayed.filter((text) => findTokenIn(text, tokens) !== undefined)).toEqual([]);
    expect(report.relayed.some((text) => text.includes('[redacted]'))).toBe(true);
    // Without the sanitizers the raw bytes reach the relay: the search above can fail, and the sanitizers matter.
    const carelessToken = tokens.slice(-1);
    expect(report.unsanitized.some((text) => findTokenIn(text, carelessToken) !== undefined)).toBe(true);
    expect(report.unsanitized.filter((text) => findTokenIn(text, tokens.slice(0, 8)) !== undefined)).toEqual([]);
  });
});
