// Every code example in README.md and docs/*.md runs here.
//
// Convention: a block fenced exactly ```ts is an example. It imports the library as
// 'break-glass' (mapped to this repository's src/), may use top-level await, and must clean up
// after itself: stop every store and supervisor, close every socket and inspector. Blocks that
// cannot run on their own, such as browser-only code or code that forks processes, are fenced
// ```ts fragment and are not run; keep those rare. Other languages (sh, text, json) are not run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { extractExamples, ROOT } from './support/extractExamples';

// The runner's outcome lines start with this; examples print to the same stdout.
const MARK = '@@example-outcome ';

interface Outcome {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: string;
}

const examples = extractExamples();
let outcomes: Map<string, Outcome>;
let exit: { code: number | null; signal: NodeJS.Signals | null; stderr: string };

beforeAll(async () => {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'support', 'runExamples.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // No timeout of our own: a runner kept alive by an example that did not clean up fails on jest's.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  exit = { code, signal, stderr };
  outcomes = new Map(
    stdout
      .split('\n')
      .filter((line) => line.startsWith(MARK))
      .map((line) => JSON.parse(line.slice(MARK.length)) as Outcome)
      .map((outcome) => [outcome.id, outcome]),
  );
}, 120_000);

describe('documentation examples', () => {
  it('are there to run: README.md and every page under docs/ that shows code', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    const files = new Set(examples.map((example) => example.id.split(':')[0]));
    for (const file of ['README.md', 'docs/api.md', 'docs/devtools.md', 'docs/operations.md', 'docs/supervision.md']) {
      expect(files).toContain(file);
    }
  });

  it('leave nothing running: the process that ran them all ended by itself, without an error', () => {
    expect(exit).toEqual({ code: 0, signal: null, stderr: expect.any(String) });
    expect(outcomes.size).toBe(examples.length);
  });

  it.each(examples.map((example) => [example.id]))('%s runs without an error', (id) => {
    expect(outcomes.get(id)).toEqual({ id, ok: true });
  });
});
