/**
 * Ferry's rpm mirror against dnf reposync (Debian's dnf 4 with dnf-plugins-core) on the same
 * generated repository served by nginx, in the same run (issue 18): 2,000 packages built with
 * rpmbuild (subpackages of a few specs, each with dependencies), indexed by createrepo_c,
 * repomd.xml signed (the packages are not: neither tool checks package signatures while mirroring).
 *
 *   full   ferry apply (verify repomd.xml.asc, every file checked, snapshot, signed publish)
 *          vs dnf reposync --download-metadata (repo_gpgcheck on: repomd.xml.asc verified too)
 *   no-op  ferry apply --refresh, nothing changed upstream
 *          vs dnf reposync again into the same folder (it skips the packages it has)
 *
 * Both start a process per run (start-up included). Ferry runs from `npm run build`'s output
 * (the bundled CLI), as a user runs it. Prints wall times, ratios (Ferry / reposync), peak RSS
 * (GNU time) and upstream requests (nginx's access log). Goals: full <= 0.5x, no-op <= 0.1x.
 * Run: npx tsx bench/rpm.ts [packages]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeGpgKey } from '../test/helpers/deb-gpg.js';
import { rng } from '../test/helpers/rng.js';
import { buildRpmRepo, type RpmDef } from '../test/helpers/rpm-repo.js';
import { REPO_ROOT } from '../test/helpers/run-ferry.js';
import { startBenchUpstream } from './deb-upstream.js';

const run = promisify(execFile);
const COUNT = Number(process.argv[2] ?? 2000);
const pname = (i: number) => `bench-${String(i).padStart(4, '0')}`;

function generate(n: number): RpmDef[] {
  const r = rng(18);
  return Array.from({ length: n }, (_, i) => {
    const requires: string[] = [];
    const k = i < 20 ? 0 : Math.floor(r() * 4);
    for (let d = 0; d < k; d++) {
      const j = Math.floor(r() * i);
      const x = r();
      if (x < 0.1) requires.push(`(${pname(j)} or ${pname(Math.floor(r() * i))})`);
      else if (x < 0.2 && j >= 10) requires.push(`virtual-${j % 10}`);
      else requires.push(x < 0.5 ? `${pname(j)} >= 1.0` : pname(j));
    }
    // Four versions (a spec each): rpmbuild builds one spec's subpackages in one run.
    return { name: pname(i), version: `1.${i % 4}`, requires, provides: i < 10 ? [`virtual-${i}`] : [] };
  });
}

interface Timed {
  wall: number;
  rssMb: number;
  stdout: string;
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

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

async function countRpms(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.rpm')) n++;
  return n;
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-bench-rpm-'));
  const key = await makeGpgKey('Bench Upstream');
  const server = await startBenchUpstream(join(tmp, 'up'), join(tmp, 'nginx'));
  try {
    const dnfVersion = (await run('dnf', ['--version'])).stdout.split('\n')[0];
    console.log(`rpm benchmark: ${COUNT} packages (rpmbuild, createrepo_c), Ferry vs dnf reposync (dnf ${dnfVersion}), upstream served by ${server.kind}`);
    let t0 = performance.now();
    await buildRpmRepo(join(tmp, 'up', 'repo'), { packages: generate(COUNT), key, unsignedPackages: true });
    console.log(`setup: upstream built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    await run('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
    const main = join(REPO_ROOT, 'dist', 'cli', 'main.js');
    console.log(`setup: Ferry compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const url = `${server.url}/repo`;

    const model = join(tmp, 'model');
    await mkdir(join(model, 'nodes'), { recursive: true });
    await mkdir(join(model, 'classes'), { recursive: true });
    await writeFile(join(model, 'nodes', 'full.yml'), `classes: []\nparameters:\n  ferry:\n    site:\n      name: bench\n    mirrors:\n      bench:\n        kind: rpm\n        url: ${url}\n        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`);
    const git = (...args: string[]) => run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', ...args], { cwd: model });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-qm', 'bench');
    const state = join(tmp, 'state');
    const ferry = (extra: string[] = []) => [process.execPath, main, 'apply', '--repo', model, '--ref', 'main', '--node', 'full', '--state', state, '--json', ...extra];
    const ferryEnv = { FERRY_LOG_LEVEL: 'warn', NODE_OPTIONS: '' };

    // dnf reposync: its own config, cache and key (repo_gpgcheck: repomd.xml.asc is verified too).
    const droot = join(tmp, 'dnf');
    await mkdir(join(droot, 'repos'), { recursive: true });
    const keyFile = join(tmp, 'upstream-key.asc');
    await writeFile(keyFile, key.publicArmored);
    await writeFile(join(droot, 'dnf.conf'), `[main]\ngpgcheck=0\nrepo_gpgcheck=1\nreposdir=${join(droot, 'repos')}\ncachedir=${join(droot, 'cache')}\n`);
    await writeFile(join(droot, 'repos', 'bench.repo'), `[bench]\nname=bench\nbaseurl=${url}/\nrepo_gpgcheck=1\ngpgcheck=0\ngpgkey=file://${keyFile}\nmetadata_expire=0\n`);
    const reposync = [
      'dnf', '-y', '-q', '-c', join(droot, 'dnf.conf'), '--installroot', droot, '--releasever', '1', '--disableplugin', 'local',
      '--setopt', `reposdir=${join(droot, 'repos')}`, '--setopt', `cachedir=${join(droot, 'cache')}`,
      'reposync', '--repoid', 'bench', '--download-metadata', '--download-path', join(tmp, 'reposync'),
    ];

    const stats = (t: Timed) => {
      try {
        const j = JSON.parse(t.stdout) as { outcome?: string; stats?: Record<string, number> };
        return `${j.outcome ?? '?'}, ${j.stats?.requests ?? '?'} requests, ${j.stats?.filesFetched ?? '?'} files fetched`;
      } catch {
        return '';
      }
    };
    const results: Array<{ name: string; goal: number; ferry: Timed; peer: Timed; note: string }> = [];

    await server.resetRequests();
    const ferryFull = await timed(ferry(), ferryEnv);
    const ferryFullRequests = (await server.requests()).length;
    await server.resetRequests();
    const peerFull = await timed(reposync);
    const peerFullRequests = (await server.requests()).length;
    results.push({ name: 'full mirror (first run)', goal: 0.5, ferry: ferryFull, peer: peerFull, note: `${stats(ferryFull)}; upstream requests: Ferry ${ferryFullRequests}, reposync ${peerFullRequests} (${await countRpms(join(tmp, 'reposync'))} rpms)` });

    await server.resetRequests();
    const ferryNoop = await timed(ferry(['--refresh']), ferryEnv);
    const ferryNoopRequests = (await server.requests()).length;
    await server.resetRequests();
    const peerNoop = await timed(reposync);
    const peerNoopRequests = (await server.requests()).length;
    results.push({ name: 'no-op refresh (start-up included)', goal: 0.1, ferry: ferryNoop, peer: peerNoop, note: `${stats(ferryNoop)}; upstream requests: Ferry ${ferryNoopRequests}, reposync ${peerNoopRequests}` });

    const nodeStart = await timed([process.execPath, '-e', '0'], { NODE_OPTIONS: '' });
    console.log('');
    console.log(`${'scenario'.padEnd(36)} ${'reposync s'.padStart(10)} ${'Ferry s'.padStart(8)} ${'ratio'.padStart(7)} ${'goal'.padStart(6)}  ${'RSS reposync'.padStart(12)} ${'RSS Ferry'.padStart(9)}`);
    for (const r of results) {
      const ratio = r.ferry.wall / r.peer.wall;
      console.log(`${r.name.padEnd(36)} ${r.peer.wall.toFixed(2).padStart(10)} ${r.ferry.wall.toFixed(2).padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(7)} ${`${r.goal}x`.padStart(6)}  ${`${r.peer.rssMb.toFixed(0)} MB`.padStart(12)} ${`${r.ferry.rssMb.toFixed(0)} MB`.padStart(9)}  ${ratio <= r.goal ? 'met' : 'NOT met'}`);
      console.log(`${''.padEnd(36)} ${r.note}`);
    }
    console.log(`floor: \`node -e 0\` takes ${nodeStart.wall.toFixed(2)} s here (the no-op's ratio can go no lower than ${(nodeStart.wall / peerNoop.wall).toFixed(2)}x)`);
  } finally {
    await server.close();
    await key.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
