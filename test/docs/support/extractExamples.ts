import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** One fenced ```ts block of the documentation, with where it starts. */
export interface DocExample {
  /** `README.md:42` or `docs/api.md:17`: the file and the line of the opening fence. */
  readonly id: string;
  readonly code: string;
}

/** README.md and every Markdown file under docs/, relative to the repository's root. */
export function documentationFiles(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

/**
 * Every block fenced exactly ```ts. Blocks with more in the info string
 * (```ts fragment) are not examples to run.
 */
export function extractExamples(files: readonly string[] = documentationFiles()): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let index = 0; index < lines.length; index += 1) {
      if (lines[index]!.trimEnd() !== '```ts') continue;
      const start = index;
      const body: string[] = [];
      for (index += 1; index < lines.length && !lines[index]!.startsWith('```'); index += 1) body.push(lines[index]!);
      examples.push({ id: `${file}:${start + 1}`, code: body.join('\n') });
    }
  }
  return examples;
}

/**
 * The example as a module: its imports stay at the top, the rest becomes the
 * body of an exported async `run`, so examples may use top-level `await`.
 */
export function asModule(code: string): string {
  const imports: string[] = [];
  const body = code.replace(/^import\s[^;]*;\s*$/gm, (statement) => {
    imports.push(statement);
    return '';
  });
  return `${imports.join('\n')}\nexport async function run(): Promise<void> {\n${body}\n}\n`;
}
