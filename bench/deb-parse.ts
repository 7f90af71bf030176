/**
 * Streaming figure of the deb driver: a 60,000-package Packages index (realistic stanzas with
 * Depends, alternatives, Provides) on a loopback upstream, parsed and resolved by
 * debDriver.resolve: full mirror, and a partial mirror (50 roots with their dependency closure).
 * Goal (issue 4): under 2 s and under 300 MB RSS. Run: npx tsx bench/deb-parse.ts [count]
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeGpgKey } from '../test/helpers/deb-gpg.js';
import { startStaticServer } from '../test/helpers/deb-http.js';
import { debResource, desiredOf, makeTestContext, resolveDeb } from '../test/helpers/deb-context.js';
import type { Resource } from '../src/core/resource.js';
import { rng } from '../test/helpers/rng.js';

const COUNT = Number(process.argv[2] === '--child' ? process.argv[6] : (process.argv[2] ?? 60_000));
const run = promisify(execFile);


function packagesIndex(n: number): string {
  const r = rng(42);
  const name = (i: number) => `pkg${i.toString(36)}-${i % 7 === 0 ? 'dev' : 'lib'}`;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const deps: string[] = [];
    const k = i < 50 ? 0 : Math.floor(r() * 5);
    for (let d = 0; d < k; d++) {
      const j = Math.floor(r() * i);
      const v = r() < 0.5 ? ` (>= ${Math.floor(r() * 3)}.0)` : '';
      deps.push(r() < 0.15 ? `${name(j)}${v} | virt${j % 100}` : `${name(j)}${v}`);
    }
    const sha = createHash('sha256').update(String(i)).digest('hex');
    out.push(
      [
        `Package: ${name(i)}`,
        `Source: src${Math.floor(i / 3).toString(36)}`,
        `Version: ${1 + (i % 4)}.${i % 10}-${1 + (i % 3)}`,
        `Installed-Size: ${100 + (i % 5000)}`,
        `Maintainer: Benchmark Maintainers <bench@example.invalid>`,
        `Architecture: ${i % 9 === 0 ? 'all' : 'amd64'}`,
        ...(i % 11 === 0 ? [`Provides: virt${i % 100} (= 1.0)`] : []),
        ...(deps.length ? [`Depends: ${deps.join(', ')}`] : []),
        `Description: generated package number ${i} for the streaming benchmark`,
        ` A longer description line that makes the stanza look like a real one, with`,
        ` a second continuation line and some more words in it to take up space.`,
        `Homepage: https://example.invalid/${name(i)}`,
        `Description-md5: ${sha.slice(0, 32)}`,
        `Section: ${['libs', 'devel', 'utils', 'net'][i % 4]}`,
        `Priority: ${i % 97 === 0 ? 'important' : 'optional'}`,
        `Filename: pool/main/p/${name(i)}/${name(i)}_${1 + (i % 4)}.${i % 10}-${1 + (i % 3)}_amd64.deb`,
        `Size: ${1000 + i}`,
        `MD5sum: ${sha.slice(0, 32)}`,
        `SHA256: ${sha}`,
      ].join('\n'),
    );
  }
  return `${out.join('\n\n')}\n`;
}

interface ChildResult {
  cold: number;
  warm: number;
  files: number;
  warnings: number;
  rssMb: number;
}

/** One scenario in a fresh process, so that its peak RSS is its own. */
async function child(url: string, keyFile: string, scenario: 'full' | 'partial'): Promise<void> {
  const armored = await readFile(keyFile, 'utf8');
  let resources: Resource[] = [];
  const t = await makeTestContext(() => desiredOf(resources));
  const spec = { url, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], keys: [armored] };
  const roots = Array.from({ length: 50 }, (_, i) => COUNT - 1 - i * 997).map((n) => `pkg${n.toString(36)}-${n % 7 === 0 ? 'dev' : 'lib'}`);
  const r = scenario === 'full' ? debResource('full', spec) : debResource('partial', { ...spec, packages: roots, with_deps: true });
  resources = [r];
  const once = async () => {
    const t0 = performance.now();
    const res = await resolveDeb(r, t.ctx({ refresh: true }));
    return { ms: performance.now() - t0, files: res.files.length, warnings: res.warnings?.length ?? 0 };
  };
  const cold = await once();
  const warm = await once();
  await t.cleanup();
  const out: ChildResult = { cold: cold.ms, warm: warm.ms, files: warm.files, warnings: warm.warnings, rssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Compiles this script (and what it imports) with tsc into `dir`, next to links to node_modules and package.json. */
async function compileSelf(dir: string): Promise<string> {
  const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
  await mkdir(dir, { recursive: true });
  for (const name of ['node_modules', 'package.json']) await symlink(join(repo, name), join(dir, name));
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', '--types', 'node', '--rootDir', repo, '--outDir', dir, fileURLToPath(import.meta.url)];
  await run(process.execPath, args, { maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => {
    if (!String(e.stdout ?? '').length) throw e; // type errors still emit
  });
  return join(dir, 'bench', 'deb-parse.js');
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'ferry-bench-parse-'));
  const key = await makeGpgKey();
  try {
    const dist = join(root, 'dists', 'bookworm');
    await mkdir(join(dist, 'main', 'binary-amd64'), { recursive: true });
    const plain = Buffer.from(packagesIndex(COUNT));
    const gz = gzipSync(plain);
    await writeFile(join(dist, 'main/binary-amd64/Packages.gz'), gz);
    const sum = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    await writeFile(
      join(dist, 'Release'),
      `Origin: Bench\nSuite: bookworm\nCodename: bookworm\nDate: ${new Date().toUTCString()}\nArchitectures: amd64\nComponents: main\nSHA256:\n ${sum(plain)} ${plain.length} main/binary-amd64/Packages\n ${sum(gz)} ${gz.length} main/binary-amd64/Packages.gz\n`,
    );
    await key.clearsign(join(dist, 'Release'), join(dist, 'InRelease'));
    const keyFile = join(root, 'key.asc');
    await writeFile(keyFile, key.publicArmored);
    const server = await startStaticServer(root);
    // The children run compiled JavaScript (no TypeScript loader in the process), as Ferry runs.
    const t0 = performance.now();
    const compiled = await compileSelf(join(root, 'build'));
    console.log(`(compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`Packages index: ${COUNT} stanzas, ${(plain.length / 1048576).toFixed(1)} MiB plain, ${(gz.length / 1048576).toFixed(1)} MiB gz; debDriver.resolve in a fresh node process per scenario (compiled JS)`);
    let worst = 0;
    let worstRss = 0;
    for (const scenario of ['full', 'partial'] as const) {
      const { stdout } = await run(process.execPath, [compiled, '--child', server.url, keyFile, scenario, String(COUNT)], { maxBuffer: 1 << 20 });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
      const label = scenario === 'full' ? 'full mirror' : 'partial, 50 roots + dependency closure';
      console.log(`${label.padEnd(40)} cold (download+verify+parse+resolve) ${r.cold.toFixed(0).padStart(5)} ms, warm (parse+resolve) ${r.warm.toFixed(0).padStart(5)} ms, ${r.files} files, ${r.warnings} unresolved, peak RSS ${r.rssMb.toFixed(0)} MB`);
      worst = Math.max(worst, r.warm);
      worstRss = Math.max(worstRss, r.rssMb);
    }
    console.log(`goal: parse + resolve < 2000 ms: ${worst.toFixed(0)} ms (${worst < 2000 ? 'met' : 'NOT met'}); RSS < 300 MB: ${worstRss.toFixed(0)} MB (${worstRss < 300 ? 'met' : 'NOT met'})`);
    await server.close();
  } finally {
    await key.destroy();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5] as 'full' | 'partial');
else await main();
