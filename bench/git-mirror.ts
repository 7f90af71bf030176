/**
 * Benchmark (not a test): a git mirror through the `ferry` CLI (`npm run build`'s output,
 * start-up included) against the git CLI doing the same job, same upstream, same run:
 *
 *   first sync        ferry apply                 vs  git clone --mirror
 *   no-op refresh     ferry apply --refresh       vs  git fetch (in that mirror)
 *   one new commit    ferry apply --refresh       vs  git fetch
 *   published bytes   the snapshot's packs        vs  upstream's pack
 *   clone             from ferry serve (smart)    vs  from upstream (same git http-backend bridge)
 *   dumb HTTP clone   the snapshot tree from a static server (why smart HTTP is served)
 *
 * Upstream: a generated repository (fast-import: a few thousand files, N commits touching three
 * each, 1,000 annotated tags) served over smart HTTP by git http-backend behind the tests'
 * Node CGI bridge, repacked as a git server keeps it (`git repack -adb`). Two sizes (about 100k
 * and 30k objects) show that Ferry's memory does not grow with the repository. Peak RSS: the
 * ferry (node) process itself, sampled from /proc (VmHWM), and the largest process of each tool's
 * tree (GNU time's %M: git's index-pack for both).
 *
 * Run: `npx tsx bench/git-mirror.ts [commits...]` (default 12500 3000).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/free-port.js';
import { git, startSmartServer, startStaticServer } from '../test/integration/git/git-servers.js';

const run = promisify(execFile);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = process.argv.slice(2).map(Number).filter((n) => n > 0);
const FILES = 3000;
const DIRS = 100;
const TAGS = 1000;

/** A fast-import stream: FILES files at first, then each commit edits 3 of them; TAGS annotated tags spread over the history. */
function fastImport(commits: number): string {
  const out: string[] = [];
  const line = (n: number, c: number) => `file ${n} line for commit ${c} ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
  const body = (n: number, c: number) => Array.from({ length: 40 }, (_, i) => (i === c % 40 ? line(n, c) : `static ${n} ${i} consectetur adipiscing elit\n`)).join('');
  const every = Math.max(1, Math.floor(commits / TAGS));
  for (let c = 0; c < commits; c++) {
    out.push('commit refs/heads/master', `mark :${c + 1}`, `committer Bench <b@example.org> ${1_700_000_000 + c} +0000`, 'data <<EOM', `commit ${c}`, 'EOM');
    if (c > 0) out.push(`from :${c}`);
    const touched = c === 0 ? Array.from({ length: FILES }, (_, i) => i) : [c % FILES, (c * 7 + 1) % FILES, (c * 13 + 2) % FILES];
    for (const n of touched) {
      const data = body(n, c);
      out.push(`M 100644 inline dir${n % DIRS}/file${n}.txt`, `data ${Buffer.byteLength(data)}`, data);
    }
    if (c % every === every - 1 && Math.floor(c / every) < TAGS) out.push(`tag v${c}`, `from :${c + 1}`, `tagger Bench <b@example.org> ${1_700_000_000 + c} +0000`, 'data <<EOM', `release ${c}`, 'EOM');
  }
  return out.join('\n') + '\n';
}

async function packBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(dir)) if (n.endsWith('.pack')) total += (await stat(join(dir, n))).size;
  return total;
}

interface Timed {
  wall: number;
  /** Largest process of the tree (GNU time %M), MB. */
  treeMb: number;
  /** The command's own process (VmHWM sampled from /proc), MB. */
  ownMb: number;
  stdout: string;
}

async function vmHwm(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Runs argv under GNU time (no shell): wall seconds, largest RSS of the tree, and the command's own peak RSS. */
async function timed(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Timed> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'BENCHTIME %e %M', ...argv], { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let own = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const kids = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '')).trim();
      if (kids) own = Math.max(own, await vmHwm(Number(kids.split(' ')[0])));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  done = true;
  await sampler;
  const m = /BENCHTIME ([0-9.]+) ([0-9]+)/.exec(stderr);
  if (code !== 0 || !m) throw new Error(`${argv.join(' ')} exited ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
  return { wall: (performance.now() - started) / 1000, treeMb: Number(m[2]) / 1024, ownMb: own, stdout };
}

async function buildFerry(): Promise<string> {
  await run('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
  return join(REPO_ROOT, 'dist', 'cli', 'main.js');
}

const f = (n: number, digits = 2) => n.toFixed(digits);
const ratio = (a: number, b: number) => `${f(a / b)}x`;

async function oneSize(main: string, commits: number): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-git-bench-'));
  const servers: Array<{ close(): Promise<void> }> = [];
  let serve: ReturnType<typeof spawn> | undefined;
  try {
    const bare = join(tmp, 'upstream', 'repo.git');
    await mkdir(bare, { recursive: true });
    await git(tmp, ['init', '-q', '--bare', bare]);
    const importer = spawn('git', ['fast-import', '--quiet'], { cwd: bare, stdio: ['pipe', 'ignore', 'inherit'] });
    importer.stdin.end(fastImport(commits));
    await new Promise((resolve, reject) => importer.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`fast-import ${code}`)))));
    await git(bare, ['repack', '-adbq']);
    const upstream = await startSmartServer(join(tmp, 'upstream'));
    servers.push(upstream);
    const url = `${upstream.base}/repo.git`;
    const objects = Number(/in-pack: (\d+)/.exec(await git(bare, ['count-objects', '-v']))?.[1]);
    const tags = (await git(bare, ['tag'])).split('\n').length;
    const upstreamPack = await packBytes(join(bare, 'objects/pack'));
    console.log(`\nupstream: ${commits} commits, ${objects} objects, ${tags} tags, pack ${f(upstreamPack / 2 ** 20, 1)} MiB (bitmap index, as a git server keeps it)`);

    const model = join(tmp, 'model');
    await mkdir(join(model, 'nodes'), { recursive: true });
    await mkdir(join(model, 'classes'), { recursive: true });
    await writeFile(join(model, 'nodes', 'mirror.yml'), `classes: []\nparameters:\n  ferry:\n    site:\n      name: bench\n    mirrors:\n      bench:\n        kind: git\n        repositories:\n          - {name: repo, url: "${url}"}\n`);
    const state = join(tmp, 'state');
    const env = { FERRY_LOG_LEVEL: 'warn', NODE_OPTIONS: '', NODE_EXTRA_CA_CERTS: '' };
    const ferry = (...extra: string[]) => timed([process.execPath, main, 'apply', '--model', model, '--state', state, '--json', ...extra], { env });
    const peer = join(tmp, 'peer.git');

    const ferryFirst = await ferry();
    const peerFirst = await timed(['git', 'clone', '-q', '--mirror', url, peer]);
    const ferryNoop = await ferry('--refresh');
    const peerNoop = await timed(['git', '-C', peer, 'fetch', '-q']);

    const work = join(tmp, 'work');
    await git(tmp, ['clone', '-q', '--no-checkout', '--depth', '1', `file://${bare}`, work]);
    await git(work, ['commit', '-q', '--allow-empty', '-m', 'one more']);
    await git(work, ['push', '-q', 'origin', 'HEAD:master']);
    const ferryCommit = await ferry('--refresh');
    const peerCommit = await timed(['git', '-C', peer, 'fetch', '-q']);
    if (!/"outcome":\s*"published"/.test(ferryCommit.stdout)) throw new Error(`the refresh published nothing: ${ferryCommit.stdout}`);

    const manifest = JSON.parse(await readFile(join(state, 'current', 'manifest.json'), 'utf8')) as { resources: Array<{ files: Array<{ path: string; size: number }> }> };
    const published = manifest.resources[0].files.filter((x) => x.path.endsWith('.pack'));
    const publishedBytes = published.reduce((n, x) => n + x.size, 0);

    const port = await freePort();
    serve = spawn(process.execPath, [main, 'serve', '--state', state, '--listen', `127.0.0.1:${port}`], { env: { ...process.env, ...env }, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/git/`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ferryUrl = `http://127.0.0.1:${port}/git/bench/repo.git`;
    const clone = async (from: string, name: string, extra: string[] = []) => timed(['git', 'clone', '-q', '--bare', ...extra, from, join(tmp, name)]);
    const cloneUpstream = await clone(url, 'c-up.git');
    const cloneFerry = await clone(ferryUrl, 'c-ferry.git');
    const shallowUpstream = await clone(url, 'c-up-shallow.git', ['--depth', '1']);
    const shallowFerry = await clone(ferryUrl, 'c-ferry-shallow.git', ['--depth', '1']);
    const staticServer = await startStaticServer(join(state, 'current', 'tree'));
    servers.push(staticServer);
    const cloneDumb = await clone(`${staticServer.base}/git/bench/repo.git`, 'c-dumb.git');

    const row = (what: string, a: Timed, b: Timed, goal: string) => console.log(`  ${what.padEnd(34)} ferry ${f(a.wall).padStart(6)} s   git ${f(b.wall).padStart(6)} s   ${ratio(a.wall, b.wall).padStart(6)}  (goal ${goal})`);
    console.log(`  ${'scenario'.padEnd(34)} ${'Ferry'.padStart(14)} ${'peer'.padStart(14)}  ratio`);
    row('first sync (vs clone --mirror)', ferryFirst, peerFirst, '<= 1.2x');
    row('no-op refresh (vs fetch)', ferryNoop, peerNoop, '<= 1.2x');
    row('one new commit (vs fetch)', ferryCommit, peerCommit, '<= 1.5x');
    row('clone from ferry serve vs upstream', cloneFerry, cloneUpstream, '<= 1.2x');
    row('clone --depth 1, same', shallowFerry, shallowUpstream, 'works');
    console.log(`  dumb-HTTP clone of the same tree: ${f(cloneDumb.wall)} s (${ratio(cloneDumb.wall, cloneFerry.wall)} the smart clone; no --depth)`);
    console.log(`  published packs: ${published.length}, ${f(publishedBytes / 2 ** 20, 1)} MiB vs upstream pack ${f(upstreamPack / 2 ** 20, 1)} MiB: ${ratio(publishedBytes, upstreamPack)} (goal <= 1.1x)`);
    const ownPeak = Math.max(ferryFirst.ownMb, ferryNoop.ownMb, ferryCommit.ownMb);
    console.log(`  peak RSS, ferry process: ${f(ownPeak, 0)} MB (first ${f(ferryFirst.ownMb, 0)}, no-op ${f(ferryNoop.ownMb, 0)}, commit ${f(ferryCommit.ownMb, 0)}; goal < 150 MB)`);
    console.log(`  peak RSS, largest process: ferry's tree ${f(ferryFirst.treeMb, 0)} MB, git clone --mirror's ${f(peerFirst.treeMb, 0)} MB (git index-pack in both)`);
  } finally {
    serve?.kill();
    for (const s of servers) await s.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

const t0 = performance.now();
const main = await buildFerry();
console.log(`git mirror benchmark: Ferry (npm run build, ${f((performance.now() - t0) / 1000, 1)} s to build) vs git ${(await run('git', ['--version'])).stdout.trim().replace('git version ', '')}`);
for (const commits of SIZES.length ? SIZES : [12500, 3000]) await oneSize(main, commits);
