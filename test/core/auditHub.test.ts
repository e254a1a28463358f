import type { AuditEvent } from '../../src';
import { AuditHub } from '../../src/lib/auditHub';

// The audit fan-out on its own: who hears which event, in which order, what a throwing
// handler costs, and how failed lookups are counted per window.

const cleared = (at: number): AuditEvent => ({ type: 'token.cleared', at: new Date(at) }) as AuditEvent;

afterEach(() => {
  jest.restoreAllMocks();
});

describe('AuditHub.on() and dispatch()', () => {
  it("gives an event to its type's handlers, then to the '*' handlers, in subscription order", () => {
    const hub = new AuditHub(() => 0, 1000);
    const heard: string[] = [];
    hub.on('*', (event) => heard.push(`* first ${event.type}`));
    hub.on('token.cleared', (event) => heard.push(`cleared first ${event.type}`));
    hub.on('token.cleared', (event) => heard.push(`cleared second ${event.type}`));
    hub.on('*', (event) => heard.push(`* second ${event.type}`));
    hub.on('store.started', (event) => heard.push(`started ${event.type}`));
    hub.dispatch(cleared(1));
    expect(heard).toEqual(['cleared first token.cleared', 'cleared second token.cleared', '* first token.cleared', '* second token.cleared']);
  });

  it('calls one handler subscribed twice twice, and unsubscribes each subscription on its own', () => {
    const hub = new AuditHub(() => 0, 1000);
    const heard: AuditEvent[] = [];
    const handler = (event: AuditEvent) => void heard.push(event);
    const first = hub.on('token.cleared', handler);
    hub.on('token.cleared', handler);
    const event = cleared(1);
    hub.dispatch(event);
    expect(heard).toEqual([event, event]);
    first.unsubscribe();
    hub.dispatch(event);
    expect(heard).toHaveLength(3);
  });

  it('keeps delivering to the other handlers when one throws, and warns once per throw', () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const hub = new AuditHub(() => 0, 1000);
    const heard: string[] = [];
    hub.on('token.cleared', () => {
      throw new Error('logger down');
    });
    hub.on('token.cleared', (event) => heard.push(event.type));
    hub.on('*', () => {
      throw new Error('shipper down');
    });
    hub.on('*', (event) => heard.push(`* ${event.type}`));
    hub.dispatch(cleared(1));
    expect(heard).toEqual(['token.cleared', '* token.cleared']);
    expect(warning.mock.calls).toEqual([
      ['a break-glass audit handler threw; the event was dropped for it', { code: 'BREAK_GLASS_AUDIT_HANDLER' }],
      ['a break-glass audit handler threw; the event was dropped for it', { code: 'BREAK_GLASS_AUDIT_HANDLER' }],
    ]);
  });
});

describe('AuditHub.wants()', () => {
  it("is true while a handler of that type or of '*' is subscribed, and false otherwise", () => {
    const hub = new AuditHub(() => 0, 1000);
    expect(hub.wants('token.cleared')).toBe(false);
    const typed = hub.on('token.cleared', () => undefined);
    expect(hub.wants('token.cleared')).toBe(true);
    expect(hub.wants('store.started')).toBe(false);
    typed.unsubscribe();
    expect(hub.wants('token.cleared')).toBe(false);
    const all = hub.on('*', () => undefined);
    expect(hub.wants('token.cleared')).toBe(true);
    expect(hub.wants('store.started')).toBe(true);
    all.unsubscribe();
    expect(hub.wants('store.started')).toBe(false);
  });
});

describe('AuditHub.lookupFailed()', () => {
  it('reports the first failure at once, then the count at most once per window, the window measured from the last report', () => {
    let now = 5000;
    const hub = new AuditHub(() => now, 1000);
    const reports: AuditEvent[] = [];
    hub.on('lookup.failed', (event) => void reports.push(event));
    hub.lookupFailed();
    expect(reports).toEqual([{ type: 'lookup.failed', at: new Date(5000), count: 1 }]);
    now = 5999;
    hub.lookupFailed();
    hub.lookupFailed();
    expect(reports).toHaveLength(1);
    now = 6000;
    hub.lookupFailed();
    expect(reports[1]).toEqual({ type: 'lookup.failed', at: new Date(6000), count: 3 });
    // The count starts again from zero after a report.
    now = 7000;
    hub.lookupFailed();
    expect(reports[2]).toEqual({ type: 'lookup.failed', at: new Date(7000), count: 1 });
    expect(reports).toHaveLength(3);
  });

  it("reaches a '*' handler too", () => {
    const hub = new AuditHub(() => 42, 1000);
    const reports: AuditEvent[] = [];
    hub.on('*', (event) => void reports.push(event));
    hub.lookupFailed();
    expect(reports).toEqual([{ type: 'lookup.failed', at: new Date(42), count: 1 }]);
  });

  it('counts nothing while nobody listens, so a later listener hears only the failures it could hear', () => {
    let now = 0;
    const hub = new AuditHub(() => now, 1000);
    for (let index = 0; index < 10; index += 1) hub.lookupFailed();
    const reports: AuditEvent[] = [];
    hub.on('lookup.failed', (event) => void reports.push(event));
    now = 10;
    hub.lookupFailed();
    // No report was made while unheard, so this one is not held back by a window either.
    expect(reports).toEqual([{ type: 'lookup.failed', at: new Date(10), count: 1 }]);
  });
});
