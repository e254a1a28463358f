/**
 * Timing primitives for the benchmark. Every figure is a distribution, not one
 * number: the machine is shared, so a single run can land on a busy moment.
 * Subject and baseline are measured in alternating rounds of the same run, so
 * drift in the machine's load hits both alike.
 */

/** A distribution of per-operation times, in nanoseconds. */
export interface Figures {
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly samples: number;
}

/** How to sample one operation. */
export interface Plan {
  /** Operations timed together per sample; large for sub-microsecond operations, so the clock's own cost vanishes. */
  readonly batch: number;
  /** Samples per round. */
  readonly samples: number;
  /** Alternating rounds of subject and baseline. */
  readonly rounds: number;
}

export type SyncOp = () => unknown;
export type AsyncOp = () => Promise<unknown>;

// Keeps results alive so the optimiser cannot drop the work that produced them.
let sink: unknown;
export function consume(value: unknown): void {
  sink = value;
}
export function lastSink(): unknown {
  return sink;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function summarise(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianNs: percentile(sorted, 50), p99Ns: percentile(sorted, 99), samples: sorted.length };
}

function sampleSync(op: SyncOp, batch: number, samples: number, into: number[]): void {
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = op();
    into.push(Number(process.hrtime.bigint() - start) / batch);
  }
}

async function sampleAsync(op: AsyncOp, batch: number, samples: number, into: number[]): Promise<void> {
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = await op();
    into.push(Number(process.hrtime.bigint() - start) / batch);
  }
}

/** Runs `op` untimed so the JIT has compiled it before the first sample. */
export function warmSync(op: SyncOp, times: number): void {
  for (let i = 0; i < times; i++) sink = op();
}
export async function warmAsync(op: AsyncOp, times: number): Promise<void> {
  for (let i = 0; i < times; i++) sink = await op();
}

/** Measures two synchronous operations in alternating rounds. */
export function compareSync(subject: SyncOp, baseline: SyncOp, plan: Plan): { subject: Figures; baseline: Figures } {
  const ours: number[] = [];
  const bare: number[] = [];
  warmSync(subject, plan.batch * 20);
  warmSync(baseline, plan.batch * 20);
  for (let round = 0; round < plan.rounds; round++) {
    sampleSync(baseline, plan.batch, plan.samples, bare);
    sampleSync(subject, plan.batch, plan.samples, ours);
  }
  return { subject: summarise(ours), baseline: summarise(bare) };
}

/** Measures two asynchronous operations in alternating rounds; each awaits its own result. */
export async function compareAsync(
  subject: AsyncOp,
  baseline: AsyncOp,
  plan: Plan,
): Promise<{ subject: Figures; baseline: Figures }> {
  const ours: number[] = [];
  const bare: number[] = [];
  await warmAsync(subject, plan.batch * 20);
  await warmAsync(baseline, plan.batch * 20);
  for (let round = 0; round < plan.rounds; round++) {
    await sampleAsync(baseline, plan.batch, plan.samples, bare);
    await sampleAsync(subject, plan.batch, plan.samples, ours);
  }
  return { subject: summarise(ours), baseline: summarise(bare) };
}

/** Times one asynchronous operation per sample, for operations too slow or stateful to batch. */
export async function timeEach(op: AsyncOp, samples: number): Promise<Figures> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    sink = await op();
    times.push(Number(process.hrtime.bigint() - start));
  }
  return summarise(times);
}
