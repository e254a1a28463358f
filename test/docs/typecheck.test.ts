// The documentation's examples type-check as a user would write them: strict
// TypeScript, 'break-glass' resolved to this repository's sources. Running them
// (examples.test.ts) catches wrong behaviour; this catches examples that only run
// because the runner strips types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asModule, extractExamples, ROOT } from './support/extractExamples';

// Under node_modules, so that the examples' own imports (xstate, ws) resolve as in a user's project.
const DIR = join(ROOT, 'node_modules', '.cache', 'break-glass-doc-examples');

describe('documentation examples', () => {
  it('type-check under strict TypeScript', () => {
    const examples = extractExamples();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const files = examples.map((example, index) => {
      const file = `example${index}.ts`;
      writeFileSync(join(DIR, file), `// ${example.id}\n${asModule(example.code)}`);
      return file;
    });
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ES2022',
          moduleResolution: 'bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          paths: { 'break-glass': [join(ROOT, 'src', 'index.ts')] },
        },
        files,
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', DIR], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // Name each failing example by its place in the docs, not by its temporary file.
    const named = output.replace(/example(\d+)\.ts/g, (_match, index: string) => examples[Number(index)]!.id);
    expect(named).toBe('');
    rmSync(DIR, { recursive: true, force: true });
  }, 60_000);
});
