/**
 * Fails when the static imports of src/ (type-only imports included) form a cycle, printing each
 * cycle as a chain of files (issue 9: the layering rule keeps imports flowing down between
 * folders; this keeps them acyclic within a folder too). Run: `npx tsx scripts/check-cycles.ts`
 * (`make lint` runs it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', 'src');
const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gm;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const graph = new Map<string, string[]>();
for (const file of sources(ROOT)) {
  const text = readFileSync(file, 'utf8');
  graph.set(file, [...text.matchAll(STATIC_IMPORT)].map((m) => normalize(join(dirname(file), m[1].replace(/\.js$/, '.ts')))));
}

// Depth-first search; a grey node met again closes a cycle.
const state = new Map<string, 'grey' | 'black'>();
const cycles: string[][] = [];
function visit(file: string, path: string[]): void {
  state.set(file, 'grey');
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'grey') cycles.push([...path.slice(path.indexOf(next)), file, next].filter((f, i, a) => i === 0 || f !== a[i - 1]));
    else if (!state.has(next)) visit(next, [...path, file]);
  }
  state.set(file, 'black');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file, []);

if (cycles.length) {
  for (const c of cycles) process.stderr.write(`import cycle: ${c.map((f) => relative(ROOT, f)).join(' -> ')}\n`);
  process.exit(1);
}
process.stdout.write(`no import cycle among ${graph.size} files of src/\n`);
