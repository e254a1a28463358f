// Every mutant marked equivalent in the source (a `Stryker disable` comment, which keeps
// it out of the score) carries its reason, and docs/testing.md lists it with the same
// reason: a mutant cannot leave the score without its argument in both places.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const testing = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Marked {
  readonly file: string;
  readonly mutator: string;
  readonly reason: string;
}

function markedMutants(): Marked[] {
  return [...sourceFiles('src'), ...sourceFiles('machines')].flatMap((file) => {
    const source = readFileSync(join(ROOT, file), 'utf8');
    return [...source.matchAll(/\/\/ Stryker disable(.*)$/gm)].map((match) => {
      const parsed = /^ next-line (\w+): equivalent, (.+)$/.exec(match[1]!);
      if (parsed === null) throw new Error(`${file}: "Stryker disable${match[1]}" is not "next-line <Mutator>: equivalent, <reason>"`);
      return { file: relative(ROOT, join(ROOT, file)), mutator: parsed[1]!, reason: parsed[2]! };
    });
  });
}

describe('equivalent mutants', () => {
  const marked = markedMutants();

  it('are marked one line and one mutator at a time, each with its reason', () => {
    expect(marked.length).toBeGreaterThan(0);
  });

  it.each(marked.map((entry) => [`${entry.file} ${entry.mutator}`, entry] as const))(
    'docs/testing.md lists %s with the reason given in the source',
    (_name, { file, mutator, reason }) => {
      const rows = testing.split('\n').filter((line) => line.startsWith(`| \`${file}\``));
      expect(rows.some((row) => row.includes(`| ${mutator} |`) && row.includes(reason))).toBe(true);
    },
  );

  it('docs/testing.md lists no more of them than the source marks', () => {
    const section = testing.slice(testing.indexOf('### Equivalent mutants'));
    const listed = section.split('\n').filter((line) => /^\| `(src|machines)\//.test(line));
    expect(listed).toHaveLength(marked.length);
  });
});
