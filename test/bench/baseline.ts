import { timingSafeEqual } from 'node:crypto';
import { cryptoRandomSource } from '../../src/lib/entropy';

/**
 * The bare baseline: what holding one token costs with no actor, no events and no
 * sealing, just a plain object with the same kind of record, the same random
 * source, the same copies and the same constant-time comparison. Its methods have
 * the shape of the store's handle (async writes, sync lookup), so a ratio to it is
 * the price of the store's ownership and safety, not of the cryptography.
 */
export class BareTokenStore {
  #record: { bytes: Buffer; insertedAtMs: number } | null = null;

  lookup(token: Uint8Array): { ok: true; insertedAt: Date } | { ok: false } {
    if (!(token instanceof Uint8Array) || token.byteLength !== 32) return { ok: false };
    const record = this.#record;
    if (record === null || !timingSafeEqual(record.bytes, token)) return { ok: false };
    return { ok: true, insertedAt: new Date(record.insertedAtMs) };
  }

  async buildAndStore(): Promise<Buffer> {
    return this.build();
  }

  /** The synchronous core of a build, for comparing with a round trip that completes inside one `send`. */
  build(): Buffer {
    const fresh = cryptoRandomSource(32);
    const stored = Buffer.allocUnsafeSlow(32);
    stored.set(fresh);
    const previous = this.#record;
    this.#record = { bytes: stored, insertedAtMs: Date.now() };
    previous?.bytes.fill(0);
    const mine = Buffer.allocUnsafeSlow(32);
    mine.set(fresh);
    fresh.fill(0);
    return mine;
  }

  async delete(token: Uint8Array): Promise<{ ok: boolean }> {
    if (!this.lookup(token).ok) return { ok: false };
    this.#record?.bytes.fill(0);
    this.#record = null;
    return { ok: true };
  }

  async clear(): Promise<{ ok: true }> {
    this.#record?.bytes.fill(0);
    this.#record = null;
    return { ok: true };
  }
}
