import { inspect } from 'node:util';
import { startLink, type AuditEvent, type TokenStoreHandle } from '../../src';
import { cleanUp, exchange, openTestSocket } from './harness';

let store: TokenStoreHandle;
let events: AuditEvent[];
let storeCount = 0;

beforeEach(() => {
  events = [];
  store = startLink({ name: `control-audit-${(storeCount += 1)}`, onAudit: (event) => void events.push(event) });
});

afterEach(async () => {
  await cleanUp();
  await store.stop();
});

function controlEvents(): Array<Extract<AuditEvent, { type: 'control.request' }>> {
  return events.filter((event): event is Extract<AuditEvent, { type: 'control.request' }> => event.type === 'control.request');
}

describe('the control.request audit event', () => {
  it('reports every request with what was asked, how it ended, and when', async () => {
    const at = Date.parse('2030-01-02T03:04:05.000Z');
    const control = await openTestSocket(store, { maxLineBytes: 128, now: () => at });
    const [issued] = (await exchange(control.path, '{"command":"issue"}\n')) as Array<{ token: string }>;
    const token = (issued as { token: string }).token;
    await exchange(
      control.path,
      [
        '{"command":"status"}',
        `{"command":"revoke","token":"${token}"}`,
        `{"command":"revoke","token":"${token}"}`,
        '{"command":"clear"}',
        'nonsense',
        '{"command":"reboot"}',
        `{"command":"revoke","token":"${token.slice(1)}"}`,
        'z'.repeat(200),
        '',
      ].join('\n'),
    );
    expect(controlEvents().map(({ command, outcome }) => [command, outcome])).toEqual([
      ['issue', 'ok'],
      ['status', 'ok'],
      ['revoke', 'ok'],
      ['revoke', 'ERR_CONTROL_REFUSED'],
      ['clear', 'ok'],
      [null, 'ERR_CONTROL_MALFORMED'],
      [null, 'ERR_CONTROL_UNKNOWN_COMMAND'],
      ['revoke', 'ERR_TOKEN_MALFORMED'],
      [null, 'ERR_CONTROL_OVERSIZED'],
    ]);
    expect(controlEvents().every((event) => event.at.getTime() === at)).toBe(true);
  });

  it('never carries the token, in JSON or util.inspect', async () => {
    const control = await openTestSocket(store);
    const [issued] = (await exchange(control.path, '{"command":"issue"}\n')) as Array<{ token: string }>;
    const token = (issued as { token: string }).token;
    await exchange(control.path, `{"command":"revoke","token":"${token}"}\n{"command":"status"}\n`);
    const bytes = Buffer.from(token, 'base64url');
    const rendered = `${JSON.stringify(events)}\n${inspect(events, { depth: 10 })}`;
    for (const spelling of [token, bytes.toString('base64'), bytes.toString('hex')]) {
      expect(rendered).not.toContain(spelling);
    }
    expect(controlEvents()).toHaveLength(3);
  });

  it('is not sent for a client that hangs up without a request', async () => {
    const control = await openTestSocket(store);
    expect(await exchange(control.path, '')).toEqual([]);
    expect(controlEvents()).toEqual([]);
  });
});
