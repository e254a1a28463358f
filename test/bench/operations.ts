import { startLink, type TokenStoreHandle } from '../../src';
import { BareTokenStore } from './baseline';
import { compareAsync, compareSync, summarise, type Figures, type Plan } from './measure';
import { startParent } from './parentRoundTrip';

/** One row of the table: the store's figures beside the baseline's, measured in the same rounds. */
export interface Row {
  readonly name: string;
  readonly subject: Figures;
  readonly baseline: Figures;
}

const LOOKUP: Plan = { batch: 2_000, samples: 60, rounds: 5 };
const WRITE: Plan = { batch: 20, samples: 200, rounds: 5 };

let storeCount = 0;
function freshStore(options: Parameters<typeof startLink>[0] = {}): TokenStoreHandle {
  storeCount += 1;
  return startLink({ name: `bench.${storeCount}`, ...options });
}

/** Lookups: a hit, a miss, malformed input, and a hit on a store with an inspector attached. */
export async function lookupRows(): Promise<Row[]> {
  const store = freshStore();
  const inspected = freshStore({ inspect: () => {} });
  const bare = new BareTokenStore();
  const token = await store.buildAndStore();
  const inspectedToken = await inspected.buildAndStore();
  const bareToken = await bare.buildAndStore();
  const stranger = Buffer.alloc(32, 7);
  const malformed = Buffer.alloc(31);
  const rows: Row[] = [
    { name: 'lookup hit', ...compareSync(() => store.lookup(token), () => bare.lookup(bareToken), LOOKUP) },
    { name: 'lookup miss', ...compareSync(() => store.lookup(stranger), () => bare.lookup(stranger), LOOKUP) },
    {
      name: 'lookup malformed',
      ...compareSync(() => store.lookup(malformed), () => bare.lookup(malformed), LOOKUP),
    },
    {
      name: 'lookup hit, inspector attached',
      ...compareSync(() => inspected.lookup(inspectedToken), () => bare.lookup(bareToken), LOOKUP),
    },
  ];
  await store.stop();
  await inspected.stop();
  return rows;
}

/** Writes through the handle: build, build with an inspector, delete-then-build, clear. */
export async function writeRows(): Promise<Row[]> {
  const store = freshStore();
  const inspected = freshStore({ inspect: () => {} });
  const bare = new BareTokenStore();
  let token = await store.buildAndStore();
  let bareToken = await bare.buildAndStore();
  const rows: Row[] = [
    { name: 'buildAndStore', ...(await compareAsync(() => store.buildAndStore(), () => bare.buildAndStore(), WRITE)) },
    {
      name: 'buildAndStore, inspector attached',
      ...(await compareAsync(() => inspected.buildAndStore(), () => bare.buildAndStore(), WRITE)),
    },
  ];
  token = await store.buildAndStore();
  rows.push({
    name: 'delete then build',
    ...(await compareAsync(
      async () => {
        await store.delete(token);
        token = await store.buildAndStore();
      },
      async () => {
        await bare.delete(bareToken);
        bareToken = await bare.buildAndStore();
      },
      WRITE,
    )),
  });
  rows.push({ name: 'clear', ...(await clearFigures(store, bare)) });
  await store.stop();
  await inspected.stop();
  return rows;
}

/**
 * `clear` of a store holding a token: the build that refills it is untimed, so
 * each sample is one clear, timed on its own.
 */
async function clearFigures(store: TokenStoreHandle, bare: BareTokenStore): Promise<{ subject: Figures; baseline: Figures }> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < WRITE.rounds + 1; round++) {
    for (const [target, into] of [
      [bare, theirs],
      [store, ours],
    ] as const) {
      for (let s = 0; s < WRITE.samples * 4; s++) {
        await target.buildAndStore();
        const start = process.hrtime.bigint();
        await target.clear();
        into.push(Number(process.hrtime.bigint() - start));
      }
    }
    // The first round is warm-up.
    if (round === 0) {
      ours.length = 0;
      theirs.length = 0;
    }
  }
  return { subject: summarise(ours), baseline: summarise(theirs) };
}

/** The protocol round trip a parent actor makes: BUILD with replyTo, answered by BUILT, inside one `send`. */
export function parentRoundTripRow(): Row {
  const parent = startParent();
  const bare = new BareTokenStore();
  const figures = compareSync(
    () => parent.ask(),
    () => bare.build(),
    { batch: 50, samples: 200, rounds: 5 },
  );
  parent.stop();
  return { name: 'event round trip from a parent actor', ...figures };
}

/** The same operation with and without a no-op inspector, measured in alternating rounds. */
export interface InspectionCost {
  readonly lookup: { readonly inspected: Figures; readonly plain: Figures };
  readonly build: { readonly inspected: Figures; readonly plain: Figures };
}

/** What a no-op inspection observer costs, judged against the same store without one rather than the baseline. */
export async function inspectionCost(): Promise<InspectionCost> {
  const plain = freshStore();
  const inspected = freshStore({ inspect: () => {} });
  const plainToken = await plain.buildAndStore();
  const inspectedToken = await inspected.buildAndStore();
  const lookup = compareSync(() => inspected.lookup(inspectedToken), () => plain.lookup(plainToken), LOOKUP);
  const build = await compareAsync(() => inspected.buildAndStore(), () => plain.buildAndStore(), WRITE);
  await plain.stop();
  await inspected.stop();
  return {
    lookup: { inspected: lookup.subject, plain: lookup.baseline },
    build: { inspected: build.subject, plain: build.baseline },
  };
}
