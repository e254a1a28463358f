import { Acknowledgements, type AckingPeer } from '../../src/cluster/acknowledgements';

const TIMEOUT_MS = 1_000;

interface TestPeer extends AckingPeer {
  readonly label: string;
}

function peer(label: string, acked = 0): TestPeer {
  return { label, acked };
}

/** Runs every queued promise callback, so a wait that ended has resolved its promise. */
async function flush(): Promise<void> {
  for (let round = 0; round < 10; round += 1) await Promise.resolve();
}

/** A promise's state after every queued callback ran. */
async function settledState(promise: Promise<unknown>): Promise<'resolved' | 'pending'> {
  let state: 'resolved' | 'pending' = 'pending';
  void promise.then(() => (state = 'resolved'));
  await flush();
  return state;
}

function tracker(): { acks: Acknowledgements<TestPeer>; late: string[] } {
  const late: string[] = [];
  return { acks: new Acknowledgements<TestPeer>(TIMEOUT_MS, (p) => late.push(p.label)), late };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('Acknowledgements', () => {
  it('confirms at once, with no timer, a version no peer lags behind', async () => {
    const { acks, late } = tracker();
    acks.open(3, [peer('a', 3), peer('b', 5)]);
    acks.open(4, []);
    expect(jest.getTimerCount()).toBe(0);
    expect(await settledState(acks.confirmed(4))).toBe('resolved');
    expect(late).toEqual([]);
  });

  it('waits for every peer that had not confirmed the version, and for no other', async () => {
    const { acks, late } = tracker();
    const a = peer('a');
    const b = peer('b');
    const ahead = peer('ahead', 1);
    acks.open(1, [a, b, ahead]);
    const confirmed = acks.confirmed(1);
    acks.ack(a, 1);
    expect(await settledState(confirmed)).toBe('pending');
    acks.ack(b, 1);
    expect(await settledState(confirmed)).toBe('resolved');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(late).toEqual([]);
  });

  it('takes an ack of a later version as confirming every earlier one, and an older ack as confirming nothing more', async () => {
    const { acks } = tracker();
    const a = peer('a');
    acks.open(1, [a]);
    acks.open(2, [a]);
    acks.open(3, [a]);
    const first = acks.confirmed(1);
    const second = acks.confirmed(2);
    const third = acks.confirmed(3);
    acks.ack(a, 2);
    expect(a.acked).toBe(2);
    expect(await settledState(first)).toBe('resolved');
    expect(await settledState(second)).toBe('resolved');
    expect(await settledState(third)).toBe('pending');
    acks.ack(a, 1);
    expect(a.acked).toBe(2);
    expect(await settledState(third)).toBe('pending');
    acks.ack(a, 3);
    expect(await settledState(third)).toBe('resolved');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers, for a version, the waits of that version and the earlier ones only', async () => {
    const { acks } = tracker();
    const a = peer('a');
    const b = peer('b');
    acks.open(1, [a]);
    acks.open(2, [b]);
    acks.ack(a, 1);
    expect(await settledState(acks.confirmed(1))).toBe('resolved');
    expect(await settledState(acks.confirmed(2))).toBe('pending');
    // A version opened later than asked about does not hold up the answer.
    const { acks: other } = tracker();
    other.open(5, [a]);
    expect(await settledState(other.confirmed(4))).toBe('resolved');
    expect(await settledState(other.confirmed(5))).toBe('pending');
  });

  it('hands the peers still silent at the timeout to onLate, once each, and confirms the version then', async () => {
    const { acks, late } = tracker();
    const a = peer('a');
    const b = peer('b');
    const c = peer('c');
    acks.open(1, [a, b, c]);
    const confirmed = acks.confirmed(1);
    acks.ack(b, 1);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(late).toEqual([]);
    expect(await settledState(confirmed)).toBe('pending');
    jest.advanceTimersByTime(1);
    expect(late).toEqual(['a', 'c']);
    expect(await settledState(confirmed)).toBe('resolved');
    expect(jest.getTimerCount()).toBe(0);
    // A late ack after the timeout changes nothing.
    acks.ack(a, 1);
    expect(late).toEqual(['a', 'c']);
  });

  it('times each version from its own broadcast', async () => {
    const { acks, late } = tracker();
    const a = peer('a');
    acks.open(1, [a]);
    jest.advanceTimersByTime(600);
    acks.open(2, [a]);
    jest.advanceTimersByTime(400);
    expect(late).toEqual(['a']);
    expect(await settledState(acks.confirmed(1))).toBe('resolved');
    expect(await settledState(acks.confirmed(2))).toBe('pending');
    jest.advanceTimersByTime(599);
    expect(late).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(late).toEqual(['a', 'a']);
  });

  it('stops waiting on a forgotten peer, and confirms a version once only forgotten peers were left', async () => {
    const { acks, late } = tracker();
    const a = peer('a');
    const b = peer('b');
    const stranger = peer('stranger');
    acks.open(1, [a, b]);
    const confirmed = acks.confirmed(1);
    acks.forget(stranger);
    acks.forget(a);
    expect(await settledState(confirmed)).toBe('pending');
    acks.forget(b);
    expect(await settledState(confirmed)).toBe('resolved');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(TIMEOUT_MS);
    expect(late).toEqual([]);
  });

  it('ends every wait as confirmed on endAll, with no late peer and no timer left', async () => {
    const { acks, late } = tracker();
    const a = peer('a');
    acks.open(1, [a]);
    acks.open(2, [a, peer('b')]);
    const confirmed = acks.confirmed(2);
    acks.endAll();
    expect(await settledState(confirmed)).toBe('resolved');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(TIMEOUT_MS);
    expect(late).toEqual([]);
  });
});
