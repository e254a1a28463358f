import { childSpec, startSupervisor } from '../../src';
import { cryptoRandomSource } from '../../src/lib/entropy';
import { summarise, type Figures } from './measure';

/**
 * Crash → new owner ready: from the moment a build is sent to a store whose
 * random source fails, to the moment the supervisor's replacement answers a
 * lookup of the old token with a refusal and has accepted a fresh build. The
 * refill build is part of "ready", so it is subtracted: its own median is
 * measured on the same store between crashes.
 */
export async function crashToReady(samples: number): Promise<{ crash: Figures; build: Figures }> {
  let failNext = false;
  const randomBytes = (size: number) => {
    if (failNext) {
      failNext = false;
      throw new Error('entropy source failed');
    }
    return cryptoRandomSource(size);
  };
  const name = 'bench.supervised';
  const supervisor = startSupervisor({
    name: 'bench.supervisor',
    children: [childSpec({ name, randomBytes })],
    // Restarts are the point here, not a fault to give up on. The window is kept short
    // because the supervisor scans the restarts inside it on every restart, and a real
    // store never restarts thousands of times a second.
    maxRestarts: 1_000,
    maxSeconds: 0.01,
  });
  const store = supervisor.store(name);
  const crashes: number[] = [];
  const builds: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const old = await store.buildAndStore();
    const buildStart = process.hrtime.bigint();
    await store.buildAndStore();
    const buildNs = Number(process.hrtime.bigint() - buildStart);
    failNext = true;
    const start = process.hrtime.bigint();
    await store.buildAndStore().catch(() => undefined);
    if (store.lookup(old).ok) throw new Error('bench: the old token survived a crash');
    await store.buildAndStore();
    const took = Number(process.hrtime.bigint() - start);
    if (i >= 20) {
      crashes.push(took);
      builds.push(buildNs);
    }
  }
  await supervisor.stop();
  return { crash: summarise(crashes), build: summarise(builds) };
}
