import fc from 'fast-check';
import { startLink, type TokenStoreHandle } from '../../src';
import { cryptoRandomSource } from '../../src/lib/entropy';
import { isLive, ManualClock, retireActive, TTL_MS, type TokenStoreModel } from './referenceModel';

/** The system under test: a real store on real XState actors, with clocks and entropy the commands control. */
export class RealStore {
  readonly clock = new ManualClock();
  store: TokenStoreHandle;
  #entropyFails = false;

  constructor(readonly name: string) {
    this.store = this.start();
  }

  start(): TokenStoreHandle {
    this.#entropyFails = false;
    this.store = startLink({
      name: this.name,
      ttlMs: TTL_MS,
      now: this.clock.now,
      monotonicNow: this.clock.monotonicNow,
      randomBytes: (size) => {
        if (this.#entropyFails) throw new Error('entropy source failed');
        return cryptoRandomSource(size);
      },
    });
    return this.store;
  }

  /** Crashes the store the one way its public API allows: its random source throws during a build. */
  async crash(): Promise<void> {
    this.#entropyFails = true;
    await expect(this.store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_STORE_EXITED' });
  }
}

type StoreCommand = fc.AsyncCommand<TokenStoreModel, RealStore>;

/** The answer a lookup of `bytes` must give, by the model. */
function expectedLookup(model: TokenStoreModel, clock: ManualClock, hex: string) {
  const active = model.active;
  if (model.crashed || active === null || active.hex !== hex || !isLive(active, clock.tick)) return { ok: false };
  return { ok: true, insertedAt: new Date(active.insertedAtMs) };
}

class Build implements StoreCommand {
  check = () => true;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    if (model.crashed) {
      await expect(real.store.buildAndStore()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
      return;
    }
    const token = await real.store.buildAndStore();
    expect(token.byteLength).toBe(32);
    retireActive(model);
    model.active = {
      hex: token.toString('hex'),
      bytes: Buffer.from(token),
      insertedAtMs: real.clock.wallMs,
      expiresAtTick: real.clock.tick + TTL_MS,
    };
  }
  toString = () => 'build';
}

/** Looks up the active token, or a retired one, chosen by the model when the command runs. */
class LookupKnown implements StoreCommand {
  constructor(readonly which: 'current' | 'retired', readonly pick: number) {}
  check = (model: Readonly<TokenStoreModel>) =>
    this.which === 'current' ? model.active !== null : model.retired.length > 0;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    const token = this.which === 'current' ? model.active! : model.retired[this.pick % model.retired.length]!;
    expect(real.store.lookup(Buffer.from(token.bytes))).toEqual(expectedLookup(model, real.clock, token.hex));
  }
  toString = () => `lookup ${this.which}#${this.pick}`;
}

class LookupRandom implements StoreCommand {
  constructor(readonly bytes: Uint8Array) {}
  check = () => true;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    const hex = Buffer.from(this.bytes).toString('hex');
    expect(real.store.lookup(this.bytes)).toEqual(expectedLookup(model, real.clock, hex));
  }
  toString = () => `lookup random ${Buffer.from(this.bytes).toString('hex').slice(0, 8)}…`;
}

class LookupMalformed implements StoreCommand {
  constructor(readonly input: { label: string; value: unknown }) {}
  check = () => true;
  async run(_model: TokenStoreModel, real: RealStore): Promise<void> {
    expect(real.store.lookup(this.input.value as Uint8Array)).toEqual({ ok: false });
  }
  toString = () => `lookup malformed ${this.input.label}`;
}

class DeleteKnown implements StoreCommand {
  constructor(readonly which: 'current' | 'retired', readonly pick: number) {}
  check = (model: Readonly<TokenStoreModel>) =>
    this.which === 'current' ? model.active !== null : model.retired.length > 0;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    const token = this.which === 'current' ? model.active! : model.retired[this.pick % model.retired.length]!;
    const removes = expectedLookup(model, real.clock, token.hex).ok;
    // A crashed store is refused by the pre-check, without a call: `{ ok: false }`, not a rejection.
    await expect(real.store.delete(Buffer.from(token.bytes))).resolves.toEqual({ ok: removes });
    if (removes) retireActive(model);
  }
  toString = () => `delete ${this.which}#${this.pick}`;
}

class Clear implements StoreCommand {
  check = () => true;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    if (model.crashed) {
      await expect(real.store.clear()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
      return;
    }
    await expect(real.store.clear()).resolves.toEqual({ ok: true });
    retireActive(model);
  }
  toString = () => 'clear';
}

class Crash implements StoreCommand {
  check = (model: Readonly<TokenStoreModel>) => !model.crashed;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    await real.crash();
    model.crashed = true;
    retireActive(model);
  }
  toString = () => 'crash';
}

/** Starts a new store under the freed name, as a supervisor would: it must start empty. */
class Restart implements StoreCommand {
  check = (model: Readonly<TokenStoreModel>) => model.crashed;
  async run(model: TokenStoreModel, real: RealStore): Promise<void> {
    real.start();
    model.crashed = false;
  }
  toString = () => 'restart';
}

class AdvanceClock implements StoreCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: TokenStoreModel, real: RealStore): Promise<void> {
    real.clock.advance(this.ms);
  }
  toString = () => `advance ${this.ms}ms`;
}

const malformedInputs = fc.oneof(
  fc.uint8Array({ maxLength: 31 }).map((value) => ({ label: `${value.length} bytes`, value })),
  fc.uint8Array({ minLength: 33, maxLength: 64 }).map((value) => ({ label: `${value.length} bytes`, value })),
  fc.string().map((value) => ({ label: 'a string', value })),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 }).map((value) => ({
    label: 'an array of 32 numbers',
    value,
  })),
  fc.constantFrom(
    { label: 'null', value: null },
    { label: 'undefined', value: undefined },
    { label: 'a number', value: 42 },
    { label: 'a 32-byte ArrayBuffer', value: new ArrayBuffer(32) },
    { label: 'a 32-byte DataView', value: new DataView(new ArrayBuffer(32)) },
    { label: 'a 32-byte Uint16Array', value: new Uint16Array(16) },
  ),
);

/** Every command, weighted so that sequences mostly build, look up and delete. */
export const storeCommands = [
  fc.constant(new Build()),
  fc.nat(1_000).map((pick) => new LookupKnown('current', pick)),
  fc.nat(1_000).map((pick) => new LookupKnown('retired', pick)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => new LookupRandom(bytes)),
  malformedInputs.map((input) => new LookupMalformed(input)),
  fc.nat(1_000).map((pick) => new DeleteKnown('current', pick)),
  fc.nat(1_000).map((pick) => new DeleteKnown('retired', pick)),
  fc.constant(new Clear()),
  fc.constant(new Crash()),
  fc.constant(new Restart()),
  fc.integer({ min: 1, max: TTL_MS * 2 }).map((ms) => new AdvanceClock(ms)),
];
