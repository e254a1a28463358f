// Runs documentation examples one after another in this process and prints one JSON line per
// example: MARK followed by { id, ok, error? }. Run by examples.test.ts in a plain Node process, because examples
// import @statelyai/inspect, an ES module that jest's CommonJS runtime cannot load. The process
// must end by itself afterwards: an example that leaves a store, timer or socket running keeps
// it alive, and the test fails on that.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asModule, extractExamples, ROOT } from './extractExamples';

const LIBRARY = join(ROOT, 'src', 'index.ts');
/** Starts each outcome line, which examples' own console output cannot be mistaken for. */
const MARK = '@@example-outcome ';

// `import … from 'break-glass'` means this repository's sources; every other package resolves
// from the repository, although the example files live in a temporary directory.
const resolving = Module as unknown as { _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string };
const resolve = resolving._resolveFilename.bind(Module);
resolving._resolveFilename = (request, parent, ...rest) => {
  if (request === 'break-glass') return LIBRARY;
  if (!request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:')) {
    try {
      return require.resolve(request, { paths: [ROOT] });
    } catch {
      // Built-in modules without the node: prefix, and anything else, resolve as usual.
    }
  }
  return resolve(request, parent, ...rest);
};

async function main(): Promise<void> {
  const only = process.argv[2];
  const examples = extractExamples().filter((example) => only === undefined || example.id === only);
  const directory = mkdtempSync(join(tmpdir(), 'break-glass-docs-'));
  try {
    for (const [index, example] of examples.entries()) {
      const file = join(directory, `example${index}.ts`);
      writeFileSync(file, asModule(example.code));
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- each example is compiled by ts-node on require.
        await (require(file) as { run(): Promise<void> }).run();
        const { whereis, DEFAULT_NAME } = require(LIBRARY) as typeof import('../../../src');
        // A store left registered would change what the next example's TokenStore calls reach.
        if (whereis(DEFAULT_NAME) !== undefined) throw new Error(`left the store ${DEFAULT_NAME} running`);
        process.stdout.write(`${MARK}${JSON.stringify({ id: example.id, ok: true })}\n`);
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        process.stdout.write(`${MARK}${JSON.stringify({ id: example.id, ok: false, error: text })}\n`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

void main();
