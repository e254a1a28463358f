import { startDemo, type DemoProcess } from '../support/demoProcess';

let running: DemoProcess[] = [];

afterEach(async () => {
  await Promise.all(running.map((demo) => (demo.child.exitCode === null ? demo.stop('SIGKILL') : null)));
  running = [];
});

async function demo(): Promise<DemoProcess> {
  const started = await startDemo();
  running.push(started);
  return started;
}

function get(url: string, authorization?: string): Promise<Response> {
  return fetch(url, { headers: authorization === undefined ? {} : { authorization } });
}

describe('the demo service over HTTP', () => {
  it('prints a token once, with a ready curl line, that opens /admin', async () => {
    const service = await demo();
    expect(service.output()).toContain(`curl -H 'Authorization: Bearer ${service.token}' ${service.url}/admin`);
    expect(service.output().split(service.token).length - 1).toBe(3);
    const response = await get(`${service.url}/admin`, `Bearer ${service.token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ admin: true, ageSeconds: expect.any(Number) });
  });

  it('answers 401 alike for a missing, wrong or malformed bearer header', async () => {
    const service = await demo();
    const wrong = `${service.token.slice(0, 42)}${service.token[42] === 'A' ? 'E' : 'A'}`;
    const attempts = [
      undefined,
      `Bearer ${wrong}`,
      'Bearer not-a-token',
      `Basic ${service.token}`,
      `Bearer ${service.token}=`,
      'Bearer ',
    ];
    const bodies = new Set<string>();
    for (const authorization of attempts) {
      const response = await get(`${service.url}/admin`, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      bodies.add(await response.text());
    }
    expect([...bodies]).toEqual(['{"error":"unauthorized"}']);
  });

  it('accepts the bearer scheme in any letter case, as HTTP defines it', async () => {
    const service = await demo();
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      expect((await get(`${service.url}/admin`, `${scheme} ${service.token}`)).status).toBe(200);
    }
  });

  it('answers /healthz without a token', async () => {
    const service = await demo();
    const response = await get(`${service.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('revokes the token: /admin then answers 401, and a second revoke too', async () => {
    const service = await demo();
    const authorization = `Bearer ${service.token}`;
    const revoke = await fetch(`${service.url}/break-glass/revoke`, { method: 'POST', headers: { authorization } });
    expect(revoke.status).toBe(200);
    expect((await get(`${service.url}/admin`, authorization)).status).toBe(401);
    const again = await fetch(`${service.url}/break-glass/revoke`, { method: 'POST', headers: { authorization } });
    expect(again.status).toBe(401);
  });

  it('shuts down cleanly on SIGTERM and on SIGINT', async () => {
    const first = await demo();
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await demo();
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('refuses the old token after a restart of the process, and accepts the new one', async () => {
    const before = await demo();
    expect((await get(`${before.url}/admin`, `Bearer ${before.token}`)).status).toBe(200);
    expect(await before.stop()).toBe(0);

    const after = await demo();
    expect(after.token).not.toBe(before.token);
    expect((await get(`${after.url}/admin`, `Bearer ${before.token}`)).status).toBe(401);
    expect((await get(`${after.url}/admin`, `Bearer ${after.token}`)).status).toBe(200);
  });
});
