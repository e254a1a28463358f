// docs/api.md names every export of the package's entry and every error code: this test reads
// the exports from the module itself (values) and from src/index.ts (types, which leave no
// trace at run time), and the codes from the unions that declare them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as library from '../../src';

const ROOT = join(__dirname, '..', '..');
const api = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');

/** The string literals of a `type Name = | 'A' | 'B'` union in a source file. */
function unionMembers(file: string, name: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const declaration = new RegExp(`export type ${name} =([^;]*);`).exec(source)?.[1];
  if (declaration === undefined) throw new Error(`no union ${name} in ${file}`);
  return [...declaration.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1]!);
}

/** Names exported as types only from src/index.ts: `type X` inside export lists, and `export type { … }` blocks. */
function typeExports(): string[] {
  const index = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');
  const inline = [...index.matchAll(/\btype\s+([A-Za-z]+)\s*[,}\n]/g)].map((match) => match[1]!);
  const blocks = [...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((match) =>
    match[1]!.split(',').map((name) => name.trim()).filter((name) => name.length > 0),
  );
  return [...new Set([...inline, ...blocks])];
}

function mentioned(name: string): boolean {
  return new RegExp(`\\b${name}\\b`).test(api);
}

describe('docs/api.md', () => {
  it('names every value the package exports', () => {
    const values = Object.keys(library);
    expect(values.length).toBeGreaterThan(40);
    expect(values.filter((name) => !mentioned(name))).toEqual([]);
  });

  it('names every type the package exports', () => {
    const types = typeExports();
    expect(types).toEqual(expect.arrayContaining(['TokenStoreOptions', 'InspectOption', 'BreakGlassErrorCode', 'ActiveRecord']));
    expect(types.filter((name) => !mentioned(name))).toEqual([]);
  });

  it('names every error code, of the library and of the control protocol', () => {
    const codes = [...unionMembers('src/errors.ts', 'BreakGlassErrorCode'), ...unionMembers('src/control/protocol.ts', 'ControlErrorCode')];
    expect(codes).toEqual(expect.arrayContaining(['ERR_ALREADY_STARTED', 'ERR_CONTROL_MALFORMED']));
    expect(codes.filter((code) => !api.includes(`\`${code}\``))).toEqual([]);
  });

  it('gives each exported error class a row with a code in the errors table', () => {
    const classes = Object.entries(library).filter(
      ([name, value]) => typeof value === 'function' && value.prototype instanceof library.BreakGlassError && name.endsWith('Error'),
    );
    expect(classes.length).toBeGreaterThanOrEqual(12);
    for (const [name] of classes) expect(api).toMatch(new RegExp(`\\| \`${name}\` \\| \`ERR_[A-Z_]+\``));
  });
});
