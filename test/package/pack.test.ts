import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CONSUMER = join(__dirname, 'consumer');
const versions = {
  xstate: require('xstate/package.json').version as string,
  typescript: require('typescript/package.json').version as string,
  node: require('@types/node/package.json').version as string,
};

let project: string;
let packed: string[];

function run(command: string, args: string[], cwd = project): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Packs the library as npm would publish it and installs the tarball into a fresh
// project, with nothing from this repository but the tarball.
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'break-glass-consumer-'));
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], ROOT)) as [
    { filename: string; files: { path: string }[] },
  ];
  packed = out[0].files.map((file) => file.path);
  cpSync(CONSUMER, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    join(project, out[0].filename),
    `xstate@${versions.xstate}`,
    `typescript@${versions.typescript}`,
    `@types/node@${versions.node}`,
  ]);
}, 240_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the packed library', () => {
  it('ships the build and its types, and no tests, sources or demo', () => {
    expect(packed).toContain('dist/src/index.js');
    expect(packed).toContain('dist/src/index.d.ts');
    expect(packed).toContain('dist/machines/tokenStore.js');
    expect(packed).toContain('LICENSE');
    expect(packed).toContain('docs/api.md');
    expect(packed.filter((path) => path.startsWith('test/') || path.endsWith('.test.js'))).toEqual([]);
    expect(packed.filter((path) => /^(src|machines)\/.*\.ts$/.test(path))).toEqual([]);
    expect(packed.filter((path) => path.includes('/demo/'))).toEqual([]);
  });

  it('can be required from CommonJS', () => {
    expect(JSON.parse(run('node', ['use.cjs']))).toEqual({ ok: true, length: 43 });
  });

  it('can be imported from ESM', () => {
    expect(JSON.parse(run('node', ['use.mjs']))).toEqual({ ok: true, length: 43 });
  });

  it.each(['tsconfig.nodenext.json', 'tsconfig.bundler.json'])(
    'type-checks a consumer that spawns the store in its own machine, under %s',
    (tsconfig) => {
      expect(() => run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig])).not.toThrow();
    },
  );

  it('keeps xstate a peer dependency: one copy in the consumer', () => {
    const nested = join(project, 'node_modules', 'break-glass', 'node_modules');
    let inner: string[] = [];
    try {
      inner = readdirSync(nested);
    } catch {
      inner = [];
    }
    expect(inner).not.toContain('xstate');
  });
});
