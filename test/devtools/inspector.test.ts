import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findTokenIn } from '../security/support/tokenEncodings';

interface Relayed {
  readonly type: string;
  readonly name?: string;
  readonly sessionId: string;
  readonly parentId?: string;
  readonly sourceId?: string;
  readonly definition?: string;
  readonly event?: { readonly type: string; readonly [key: string]: unknown };
  readonly snapshot?: { readonly value?: unknown; readonly context?: { readonly record?: { readonly sealed?: unknown } } };
}

interface Report {
  readonly tokens: string[];
  readonly carelessToken: string;
  readonly restartedToken: string;
  readonly received: Relayed[];
  readonly relayed: string[];
  readonly rawRelayed: string[];
}

// @statelyai/inspect is an ES module only; the run happens in a plain Node process (see the script's header).
async function runTree(): Promise<Report> {
  const script = join(__dirname, 'support', 'statelyInspectorTree.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
    cwd: join(__dirname, '..', '..'),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Report;
}

describe('a supervised store under a real @statelyai/inspect inspector, with no sanitizers of its own', () => {
  let report: Report;
  beforeAll(async () => {
    report = await runTree();
  });

  it('receives the supervision tree: the supervisor, its store, and the restarted store under the same parent', () => {
    const actors = report.received.filter((event) => event.type === '@xstate.actor');
    const supervisor = actors.find((actor) => actor.name === 'devtools-supervisor');
    expect(supervisor).toBeDefined();
    expect(supervisor!.parentId).toBeUndefined();
    expect(supervisor!.definition).toContain('"id":"BreakGlass.Supervisor"');
    const stores = actors.filter((actor) => actor.name === 'devtools-store');
    // The first instance and the one the supervisor started after the crash.
    expect(stores).toHaveLength(2);
    expect(new Set(stores.map((store) => store.sessionId)).size).toBe(2);
    for (const store of stores) {
      expect(store.parentId).toBe(supervisor!.sessionId);
      expect(store.definition).toContain('"id":"BreakGlass.TokenStore"');
    }
  });

  it('receives every operation as events, with tokens shown only as [redacted]', () => {
    const storeIds = new Set(
      report.received.filter((event) => event.type === '@xstate.actor' && event.name === 'devtools-store').map((event) => event.sessionId),
    );
    const toStore = report.received.filter((event) => event.type === '@xstate.event' && storeIds.has(event.sessionId));
    expect(toStore.map((event) => event.event!.type)).toEqual(
      expect.arrayContaining(['BUILD', 'DELETE', 'CONSUME', 'CLEAR']),
    );
    const replies = report.received.filter(
      (event) => event.type === '@xstate.event' && event.sourceId !== undefined && storeIds.has(event.sourceId),
    );
    expect(replies.map((event) => event.event!.type)).toEqual(
      expect.arrayContaining(['BreakGlass.BUILT', 'BreakGlass.DELETED', 'BreakGlass.CONSUMED', 'BreakGlass.CLEARED']),
    );
    const carrying = [...toStore, ...replies].filter((event) => 'token' in event.event!);
    expect(carrying.length).toBeGreaterThanOrEqual(6);
    expect(new Set(carrying.map((event) => event.event!.token))).toEqual(new Set(['[redacted]']));
    // The crash reaches the supervisor as the error event it restarts on.
    expect(report.received.some((event) => event.event?.type === 'xstate.error.actor.devtools-store')).toBe(true);
  });

  it('receives the store\'s snapshots, its sealed token as a fingerprint', () => {
    const holding = report.received.filter(
      (event) => event.type === '@xstate.snapshot' && event.snapshot?.value === 'holding',
    );
    expect(holding.length).toBeGreaterThanOrEqual(4);
    for (const event of holding) expect(event.snapshot!.context!.record!.sealed).toMatch(/^\[redacted\] [0-9a-f]{16}$/);
  });

  it('relays no encoding of any token in any serialisation, also bytes a careless sender put in an event', () => {
    const tokens = [...report.tokens, report.carelessToken].map((hex) => Buffer.from(hex, 'hex'));
    expect(report.tokens).toContain(report.restartedToken);
    expect(report.relayed.length).toBeGreaterThan(40);
    expect(report.relayed.filter((text) => findTokenIn(text, tokens) !== undefined)).toEqual([]);
  });

  it('relays the careless bytes when the redaction is turned off, so the search above can fail', () => {
    const careless = [Buffer.from(report.carelessToken, 'hex')];
    expect(report.rawRelayed.some((text) => findTokenIn(text, careless) !== undefined)).toBe(true);
  });
});
