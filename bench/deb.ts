/**
 * Ferry's deb mirror against aptly 1.5 (Debian package) on the same loopback upstream, in the
 * same run (issue 4): 2,000 generated packages (.debs built with dpkg-deb, signed upstream).
 *
 *   full         ferry apply                     vs aptly mirror create + update + snapshot create + publish snapshot
 *   no-op        ferry apply --refresh           vs aptly mirror update + snapshot create + publish switch
 *   incremental  same, after 50 new packages upstream
 *   partial      10 roots with their dependency closure (filter-with-deps for aptly), first run
 *
 * Both verify upstream signatures and sign what they publish; aptly skips Contents and bz2
 * (Ferry writes neither). Ferry runs from `npm run build`'s output (the bundled CLI), as a
 * user would run it. The upstream is served by nginx (bench/deb-upstream.ts), as a real mirror is; FERRY_BENCH_SERVER=node
 * serves it with the tests' Node server instead, which caps both tools at its own rate.
 * Prints wall times, ratios (Ferry / aptly) and peak RSS (GNU time). Goals: full <= 0.5x,
 * no-op <= 0.1x, incremental <= 0.5x.  Run: npx tsx bench/deb.ts [packages]   (FERRY_BENCH_FAKE_DEBS=1
 * uses small stand-in files instead of dpkg-deb to save setup time)
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { makeGpgKey, type GpgKey } from '../test/helpers/deb-gpg.js';
import { buildPackages, makeUpstream, writeArchive, type FixturePackage } from '../test/helpers/deb-repo.js';
import { REPO_ROOT } from '../test/helpers/run-ferry.js';
import { rng } from '../test/helpers/rng.js';
import { startBenchUpstream } from './deb-upstream.js';

const run = promisify(execFile);
const COUNT = Number(process.argv[2] ?? 2000);
const FAKE = process.env.FERRY_BENCH_FAKE_DEBS === '1';


const pname = (i: number) => `bench-${String(i).padStart(4, '0')}`;

function generate(n: number): FixturePackage[] {
  const r = rng(4);
  const out: FixturePackage[] = [];
  for (let i = 0; i < n; i++) {
    const deps: string[] = [];
    const k = i < 20 ? 0 : Math.floor(r() * 4);
    for (let d = 0; d < k; d++) {
      const j = Math.floor(r() * i);
      const x = r();
      if (x < 0.1) deps.push(`${pname(j)} | ${pname(Math.floor(r() * i))}`);
      else if (x < 0.2 && j >= 10) deps.push(`virtual-${j % 10}`);
      else deps.push(x < 0.5 ? `${pname(j)} (>= 1.0)` : pname(j));
    }
    out.push({ name: pname(i), version: `1.${i % 10}-1`, depends: deps.join(', ') || undefined, provides: i < 10 ? `virtual-${i}` : undefined, arch: i % 13 === 0 ? 'all' : 'amd64' });
  }
  return out;
}

interface Timed {
  wall: number;
  rssMb: number;
  stdout: string;
  /** Warm runs: seconds per reconcile step. */
  steps?: string;
}

/** Runs argv under GNU time (wall seconds, peak RSS), no shell. */
async function timed(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BENCHTIME %e %M', ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const m = /BENCHTIME ([0-9.]+) ([0-9]+)/.exec(stderr);
      if (code !== 0 || !m) reject(new Error(`${argv.join(' ')} exited ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`));
      else resolve({ wall: Number(m[1]), rssMb: Number(m[2]) / 1024, stdout });
    });
  });
}

/** Several commands in sequence: summed wall time, max RSS. */
async function sequence(cmds: string[][], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  let wall = 0;
  let rss = 0;
  let stdout = '';
  for (const c of cmds) {
    const t = await timed(c, env);
    wall += t.wall;
    rss = Math.max(rss, t.rssMb);
    stdout += t.stdout;
  }
  return { wall, rssMb: rss, stdout };
}

/** Builds Ferry as `make build` does (tsc, the prebuilt schema validator, the CLI bundle): the `ferry` a user runs. */
async function buildFerry(): Promise<string> {
  await run('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
  return join(REPO_ROOT, 'dist', 'cli', 'main.js');
}

function indent(text: string, spaces: number): string {
  return text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-bench-deb-'));
  const key: GpgKey = await makeGpgKey('Bench Upstream');
  const server = await startBenchUpstream(join(tmp, 'up'), join(tmp, 'nginx'));
  try {
    console.log(`deb benchmark: ${COUNT} packages (${FAKE ? 'stand-in files' : 'dpkg-deb'}), Ferry vs aptly ${(await run('aptly', ['version'])).stdout.trim().replace('aptly version: ', '')}, upstream served by ${server.kind === 'nginx' ? 'nginx (FERRY_BENCH_SERVER=node: the tests\' Node server)' : "the tests' Node server"}`);
    let t0 = performance.now();
    const pkgs = generate(COUNT);
    const repo = await makeUpstream(join(tmp, 'up', 'debian'), pkgs, { key, byHash: true, real: !FAKE });
    console.log(`setup: upstream built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    const main = await buildFerry();
    console.log(`setup: Ferry compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const url = `${server.url}/debian`;
    const roots = Array.from({ length: 10 }, (_, i) => pname(COUNT - 1 - i));

    // Ferry: a model repository with two nodes (full, partial), each with its own state folder.
    const model = join(tmp, 'model');
    await mkdir(join(model, 'nodes'), { recursive: true });
    await mkdir(join(model, 'classes'), { recursive: true });
    const node = (more: string) => `classes: []\nparameters:\n  ferry:\n    site:\n      name: bench\n    mirrors:\n      bench:\n        kind: deb\n        url: ${url}\n        suites: [bookworm]\n        components: [main]\n        architectures: [amd64]\n        keys:\n          - |\n${indent(key.publicArmored, 12)}\n${more}`;
    await writeFile(join(model, 'nodes', 'full.yml'), node(''));
    await writeFile(join(model, 'nodes', 'partial.yml'), node(`        packages: [${roots.join(', ')}]\n        with_deps: true\n`));
    const git = (...args: string[]) => run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', ...args], { cwd: model });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-qm', 'bench');
    const ferry = (nodeName: string, state: string, extra: string[] = []) => [process.execPath, main, 'apply', '--repo', model, '--ref', 'main', '--node', nodeName, '--state', state, '--json', ...extra];
    const ferryEnv = { FERRY_LOG_LEVEL: 'warn', NODE_OPTIONS: '' };

    // aptly: its own root, the upstream key as keyring, signing with the same GnuPG home.
    const aroot = join(tmp, 'aptly');
    await mkdir(aroot, { recursive: true });
    const conf = join(tmp, 'aptly.conf');
    await writeFile(conf, JSON.stringify({ rootDir: aroot, downloadConcurrency: 4, architectures: ['amd64'], gpgProvider: 'gpg', skipContentsPublishing: true, skipBz2Publishing: true, dependencyFollowSuggests: false }));
    const keyring = join(tmp, 'trusted.gpg');
    await run('gpg', ['--homedir', key.home, '--batch', '--export', '--output', keyring, key.fingerprint]);
    const aptly = (...args: string[]) => ['aptly', `-config=${conf}`, ...args];
    const aptlyEnv = { GNUPGHOME: key.home };
    const sign = ['-batch', `-gpg-key=${key.fingerprint}`];

    // The controller's way: one long-lived process, reconcile per trigger (bench/deb-runner.ts).
    const runner = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'deb-runner.ts'), model], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    const replies = createInterface({ input: runner.stdout })[Symbol.asyncIterator]();
    const warm = async (nodeName: string, state: string, refresh = false): Promise<Timed & { requests: number }> => {
      runner.stdin.write(`${JSON.stringify({ node: nodeName, state, refresh })}\n`);
      const { value } = await replies.next();
      const r = JSON.parse(String(value)) as { wall: number; rssMb: number; requests: number; outcome: string; error?: string; steps?: Record<string, number> };
      if (r.error) throw new Error(`reconcile failed: ${r.error}`);
      const steps = Object.entries(r.steps ?? {}).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)}`).join(', ');
      return { wall: r.wall, rssMb: r.rssMb, stdout: '', requests: r.requests, steps };
    };

    const results: Array<{ name: string; goal?: number; ferry: Timed; warm: Timed; aptly: Timed; note?: string }> = [];
    const stats = (t: Timed) => {
      try {
        const j = JSON.parse(t.stdout) as { outcome?: string; stats?: Record<string, number> };
        return `${j.outcome ?? '?'}, ${j.stats?.requests ?? '?'} requests, ${j.stats?.filesFetched ?? '?'} files fetched`;
      } catch {
        return '';
      }
    };

    // 1. full mirror + snapshot + signed publish
    const ferryFull = await timed(ferry('full', join(tmp, 'state-full')), ferryEnv);
    const warmFull = await warm('full', join(tmp, 'warm-full'));
    const aptlyFull = await sequence(
      [
        aptly('mirror', 'create', `-keyring=${keyring}`, 'bench', url, 'bookworm', 'main'),
        aptly('mirror', 'update', `-keyring=${keyring}`, 'bench'),
        aptly('snapshot', 'create', 's1', 'from', 'mirror', 'bench'),
        aptly('publish', 'snapshot', ...sign, '-distribution=bookworm', 's1'),
      ],
      aptlyEnv,
    );
    results.push({ name: 'full mirror + snapshot + signed publish', goal: 0.5, ferry: ferryFull, warm: warmFull, aptly: aptlyFull, note: stats(ferryFull) });

    // 2. no-op refresh
    await server.resetRequests();
    const ferryNoop = await timed(ferry('full', join(tmp, 'state-full'), ['--refresh']), ferryEnv);
    const ferryNoopRequests = (await server.requests()).length;
    const warmNoop = await warm('full', join(tmp, 'warm-full'), true);
    await server.resetRequests();
    const aptlyNoop = await sequence(
      [aptly('mirror', 'update', `-keyring=${keyring}`, 'bench'), aptly('snapshot', 'create', 's2', 'from', 'mirror', 'bench'), aptly('publish', 'switch', ...sign, 'bookworm', 's2')],
      aptlyEnv,
    );
    const aptlyNoopRequests = (await server.requests()).length;
    results.push({ name: 'no-op refresh', goal: 0.1, ferry: ferryNoop, warm: warmNoop, aptly: aptlyNoop, note: `${stats(ferryNoop)}; upstream requests: Ferry ${ferryNoopRequests}, aptly ${aptlyNoopRequests}` });

    // 3. partial mirror with dependencies (first run)
    const filter = roots.join(' | ');
    const ferryPartial = await timed(ferry('partial', join(tmp, 'state-partial')), ferryEnv);
    const warmPartial = await warm('partial', join(tmp, 'warm-partial'));
    const aptlyPartial = await sequence(
      [
        aptly('mirror', 'create', `-keyring=${keyring}`, `-filter=${filter}`, '-filter-with-deps', 'partial', url, 'bookworm', 'main'),
        aptly('mirror', 'update', `-keyring=${keyring}`, 'partial'),
        aptly('snapshot', 'create', 'p1', 'from', 'mirror', 'partial'),
        aptly('publish', 'snapshot', ...sign, '-distribution=bookworm', 'p1', 'partial'),
      ],
      aptlyEnv,
    );
    const shown = await run('aptly', [`-config=${conf}`, 'mirror', 'show', 'partial']);
    const aptlyCount = /Number of packages: (\d+)/.exec(shown.stdout)?.[1] ?? '?';
    results.push({ name: `partial: ${roots.length} roots + dependencies`, ferry: ferryPartial, warm: warmPartial, aptly: aptlyPartial, note: `${stats(ferryPartial)}; aptly's closure: ${aptlyCount} packages` });

    // 4. incremental: 50 new packages upstream
    repo.packages.push(...(await buildPackages(repo.dir, Array.from({ length: 50 }, (_, i) => ({ name: `bench-new-${i}`, version: '1.0', depends: pname(i * 7) })), { real: !FAKE })));
    await writeArchive(repo, { key, byHash: true, date: new Date() });
    await server.resetRequests();
    const ferryInc = await timed(ferry('full', join(tmp, 'state-full'), ['--refresh']), ferryEnv);
    const ferryIncDebs = (await server.requests()).filter((p) => p.endsWith('.deb')).length;
    const warmInc = await warm('full', join(tmp, 'warm-full'), true);
    await server.resetRequests();
    const aptlyInc = await sequence(
      [aptly('mirror', 'update', `-keyring=${keyring}`, 'bench'), aptly('snapshot', 'create', 's3', 'from', 'mirror', 'bench'), aptly('publish', 'switch', ...sign, 'bookworm', 's3')],
      aptlyEnv,
    );
    const aptlyIncDebs = (await server.requests()).filter((p) => p.endsWith('.deb')).length;
    results.push({ name: 'incremental: 50 new upstream packages', goal: 0.5, ferry: ferryInc, warm: warmInc, aptly: aptlyInc, note: `${stats(ferryInc)}; .deb requests: Ferry ${ferryIncDebs}, aptly ${aptlyIncDebs}` });

    runner.stdin.end();
    console.log('');
    console.log('Ferry CLI = `ferry apply` in a fresh process (compiled); Ferry warm = the same reconcile in a long-lived process, as the controller runs it.');
    console.log(`${'scenario'.padEnd(42)} ${'aptly s'.padStart(8)} ${'CLI s'.padStart(7)} ${'ratio'.padStart(7)} ${'warm s'.padStart(7)} ${'ratio'.padStart(7)} ${'goal'.padStart(5)}  ${'RSS aptly'.padStart(9)} ${'RSS CLI'.padStart(8)} ${'RSS warm'.padStart(8)}`);
    for (const r of results) {
      const ratio = r.ferry.wall / r.aptly.wall;
      const wratio = r.warm.wall / r.aptly.wall;
      const goal = r.goal === undefined ? '-' : `${r.goal}x`;
      const verdict = r.goal === undefined ? '' : `  CLI ${ratio <= r.goal ? 'met' : 'NOT met'}, warm ${wratio <= r.goal ? 'met' : 'NOT met'}`;
      const mb = (x: number) => `${x.toFixed(0)} MB`;
      console.log(`${r.name.padEnd(42)} ${r.aptly.wall.toFixed(2).padStart(8)} ${r.ferry.wall.toFixed(2).padStart(7)} ${`${ratio.toFixed(2)}x`.padStart(7)} ${r.warm.wall.toFixed(2).padStart(7)} ${`${wratio.toFixed(2)}x`.padStart(7)} ${goal.padStart(5)}  ${mb(r.aptly.rssMb).padStart(9)} ${mb(r.ferry.rssMb).padStart(8)} ${mb(r.warm.rssMb).padStart(8)}${verdict}`);
      if (r.note) console.log(`${''.padEnd(42)} ${r.note}`);
      if (r.warm.steps) console.log(`${''.padEnd(42)} warm steps (s): ${r.warm.steps}`);
    }
  } finally {
    await server.close();
    await key.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
