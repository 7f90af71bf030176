/**
 * Build step (after tsc): the `ferry` command as one esbuild bundle, written over tsc's
 * dist/cli/main.js, with the modules each command loads on use split into chunks beside it
 * (dist/cli/chunk-*.js). Node then resolves and compiles a few dozen files instead of several
 * hundred at every start. The chunks sit two folders below the repository root, like every
 * compiled module, so the paths they load through `require` (package.json, schemas/, the
 * standalone validator, packages loaded on first use) resolve as from dist/<stage>/.
 *
 * Fails when the code every command runs at start (the entry, the commander program and the
 * chunks they import statically) holds one of the large libraries that only some commands need.
 *
 *   npx tsx scripts/build-bundle.ts        (make build runs it)
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build, type Metafile, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'cli');
const CHUNK = /^chunk-[A-Z0-9]+\.js(\.map)?$/;

/** Packages only some commands need: never in what every command loads at start. */
const LOADED_ON_USE = ['undici', 'isomorphic-git', 'openpgp', 'winston', 'prom-client', 'chokidar', 'ajv', 'ajv-formats', 'p-queue', 'cli-progress', 'yaml'];

/**
 * Packages the sources load synchronously on first use, `createRequire(import.meta.url)('<pkg>')`
 * (src/model/yaml/yaml-lib.ts, yaml-fast.ts, src/cli/progress.ts, byte-progress.ts). From
 * node_modules each is dozens of CommonJS files (the `yaml` package 84: a YAML `ferry render`
 * paid ~60 ms to load it); the bundle loads each as one file, dist/cli/vendor/<pkg>.cjs, built
 * here. The sources stay as they are: the plugin below rewrites those calls in the bundle only.
 */
const VENDORED = ['yaml', 'js-yaml', 'cli-progress'];
const requireOf = (pkg: string) => new RegExp(`createRequire\\(import\\.meta\\.url\\)\\((['"])${pkg.replace(/[.-]/g, '\\$&')}\\1\\)`, 'g');
const rewritten = new Set<string>();
for (const pkg of VENDORED) {
  await build({
    absWorkingDir: root,
    entryPoints: [createRequire(join(root, 'package.json')).resolve(pkg)],
    outfile: join(outdir, 'vendor', `${pkg}.cjs`),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
const vendored: Plugin = {
  name: 'ferry-vendored',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('createRequire(import.meta.url)(')) return undefined;
      for (const pkg of VENDORED) {
        text = text.replace(requireOf(pkg), () => {
          rewritten.add(pkg);
          return `createRequire(import.meta.url)('./vendor/${pkg}.cjs')`;
        });
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  plugins: [vendored],
  // The render worker (src/reconcile/isolated-desired.ts) is its own entry: dist/cli/desired-worker.js.
  entryPoints: { main: 'src/cli/main.ts', 'desired-worker': 'src/reconcile/desired-worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  // Bundled CommonJS packages call require() for Node's modules: give each file one.
  banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);" },
});

const unused = VENDORED.filter((pkg) => !rewritten.has(pkg));
if (unused.length) {
  console.error(`build-bundle: no createRequire(import.meta.url)('${unused.join("' | '")}') in src/: update VENDORED`);
  process.exit(1);
}
const program = Object.entries(result.metafile.outputs).find(([, o]) => 'src/cli/program.ts' in o.inputs)?.[0];
const eager = [...new Set([...eagerInputs(result.metafile, 'dist/cli/main.js'), ...(program ? eagerInputs(result.metafile, program) : [])])];
const offending = LOADED_ON_USE.filter((pkg) => eager.some((input) => input.startsWith(`node_modules/${pkg}/`)));
if (offending.length) {
  console.error(`build-bundle: every command would load ${offending.join(', ')} at start; import them where they are used (await import)`);
  process.exit(1);
}
const outputs = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js'));
writeFileSync(join(outdir, 'build-id'), `${buildId([...outputs, ...VENDORED.map((pkg) => `dist/cli/vendor/${pkg}.cjs`)])}\n`);
removeOldChunks(new Set(Object.keys(result.metafile.outputs).map((o) => o.slice('dist/cli/'.length))));
if (process.env.FERRY_BUILD_VERBOSE) console.log(eager.join('\n'));
console.log(`wrote dist/cli/main.js and ${outputs.length - 1} chunks; at start: ${eager.length} modules`);

/**
 * Chunks of earlier builds go once they are an hour old: a ferry process started from an
 * earlier build (a test run, a controller) may still load its chunks for a while.
 */
function removeOldChunks(current: Set<string>): void {
  const cutoff = Date.now() - 3_600_000;
  for (const name of readdirSync(outdir)) {
    if (CHUNK.test(name) && !current.has(name) && statSync(join(outdir, name)).mtimeMs < cutoff) rmSync(join(outdir, name), { force: true });
  }
}

/** The source files of `entry` and of every output it imports statically, transitively. */
function eagerInputs(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const i of meta.outputs[output]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...seen].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
}

/**
 * dist/cli/build-id: a digest of what computes a desired state in this build (every output file,
 * the standalone validator, the schemas, the lockfile that fixes the packages loaded on use).
 * `ferry apply` keeps a desired state under it (src/reconcile/desired-memo.ts): a new build
 * never uses an older build's.
 */
function buildId(files: string[]): string {
  const hash = createHash('sha256');
  const schemas = readdirSync(join(root, 'schemas')).filter((f) => f.endsWith('.json')).sort().map((f) => join('schemas', f));
  for (const file of [...files.sort(), 'dist/validate/ferry-schema-validate.cjs', ...schemas, 'package-lock.json']) {
    hash.update(`${file}\0`).update(existsSync(join(root, file)) ? readFileSync(join(root, file)) : 'missing').update('\0');
  }
  return hash.digest('hex');
}
