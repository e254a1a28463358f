/**
 * The reference model the store is checked against: "at most one active token",
 * in plain data. Tokens are compared by their hex text, so the model itself holds
 * no buffers the store could share.
 */
export interface ModelToken {
  readonly hex: string;
  readonly bytes: Buffer;
  readonly insertedAtMs: number;
  /** When it stops being accepted, on the store's monotonic clock. */
  readonly expiresAtTick: number;
}

export interface TokenStoreModel {
  active: ModelToken | null;
  /** Every token ever issued that is no longer active: replaced, deleted, cleared, or lost in a crash. */
  readonly retired: ModelToken[];
  /** True after a crash, until the store is started again. */
  crashed: boolean;
}

export const TTL_MS = 60_000;

/** The clocks the store under test reads; only commands move them. */
export class ManualClock {
  wallMs = Date.UTC(2030, 0, 1);
  tick = 0;
  readonly now = () => this.wallMs;
  readonly monotonicNow = () => this.tick;

  advance(ms: number): void {
    this.wallMs += ms;
    this.tick += ms;
  }
}

export function emptyModel(): TokenStoreModel {
  return { active: null, retired: [], crashed: false };
}

/** Moves the active token, if any, to the retired list. */
export function retireActive(model: TokenStoreModel): void {
  if (model.active !== null) model.retired.push(model.active);
  model.active = null;
}

/** Whether the model's active token is still accepted at `tick`. */
export function isLive(token: ModelToken, tick: number): boolean {
  return tick < token.expiresAtTick;
}
