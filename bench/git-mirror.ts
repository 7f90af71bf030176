/**
 * Benchmark (not a test): mirrors a generated repository of N commits with the git driver and
 * with the peer tooling of a dumb-HTTP mirror (`git clone --mirror`, `git repack -a -d`,
 * `git update-server-info`), then refreshes both, unchanged and after one new commit. Prints
 * times, bytes and ratios. Run: `npx tsx bench/git-mirror.ts [commits] [files]`.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dirBlobStore, gitResource, recordingLogger, runGitDriver, writeTree } from '../test/integration/git/driver-harness.js';
import { git, startSmartServer, startStaticServer } from '../test/integration/git/git-servers.js';

const run = promisify(execFile);
const commits = Number(process.argv[2] ?? 2000);
const files = Number(process.argv[3] ?? 1500);

/** A fast-import stream: `files` files at the start, then each commit edits 3 of them. */
function fastImport(): string {
  const out: string[] = [];
  const line = (n: number, c: number) => `file ${n} line for commit ${c} ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
  const body = (n: number, c: number) => Array.from({ length: 40 }, (_, i) => (i === c % 40 ? line(n, c) : `static ${n} ${i} consectetur adipiscing elit\n`)).join('');
  for (let c = 0; c < commits; c++) {
    out.push('commit refs/heads/master', `mark :${c + 1}`, `committer Bench <b@example.org> ${1_700_000_000 + c} +0000`, 'data <<EOM', `commit ${c}`, 'EOM');
    if (c > 0) out.push(`from :${c}`);
    const touched = c === 0 ? Array.from({ length: files }, (_, i) => i) : [c % files, (c * 7) % files, (c * 13) % files];
    for (const n of touched) {
      const data = body(n, c);
      out.push(`M 100644 inline dir${n % 50}/file${n}.txt`, `data ${Buffer.byteLength(data)}`, data);
    }
    if (c % 200 === 199) out.push(`reset refs/tags/v${c}`, `from :${c + 1}`);
  }
  return out.join('\n') + '\n';
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

const tmp = await mkdtemp(join(tmpdir(), 'ferry-git-bench-'));
try {
  const bare = join(tmp, 'upstream', 'repo.git');
  await mkdir(bare, { recursive: true });
  await git(tmp, ['init', '-q', '--bare', bare]);
  const child = execFile('git', ['fast-import', '--quiet'], { cwd: bare });
  child.stdin?.end(fastImport());
  await new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`fast-import ${code}`)))));
  await git(bare, ['repack', '-adq']);
  const upstream = await startSmartServer(join(tmp, 'upstream'));
  const url = `${upstream.base}/repo.git`;
  const objects = (await git(bare, ['count-objects', '-v'])).match(/in-pack: (\d+)/)?.[1];
  console.log(`upstream: ${commits} commits, ${files} files, ${objects} objects, pack ${((await du(join(bare, 'objects/pack'))) / 1e6).toFixed(1)} MB`);

  const blobs = await dirBlobStore(join(tmp, 'blobs'));
  const stateDir = join(tmp, 'state');
  const resource = gitResource('bench', { repositories: [{ name: 'repo', url }] });
  const logger = recordingLogger();
  const [first, ferryInitial] = await timed(() => runGitDriver(resource, { stateDir, blobs, logger }));
  const ferryPack = first.resolution.files.filter((f) => f.path.endsWith('.pack')).reduce((n, f) => n + (f.size ?? 0), 0);
  const [, ferryNoop] = await timed(() => runGitDriver(resource, { stateDir, blobs, previous: first.manifest }));

  const peer = join(tmp, 'peer.git');
  const [, peerInitial] = await timed(async () => {
    await git(tmp, ['clone', '-q', '--mirror', url, peer]);
    await git(peer, ['repack', '-adq']);
    await git(peer, ['update-server-info']);
  });
  const peerPack = await du(join(peer, 'objects/pack'));
  const peerRefresh = async () => {
    await git(peer, ['remote', 'update', '--prune']);
    await git(peer, ['repack', '-adq']);
    await git(peer, ['update-server-info']);
  };
  const [, peerNoop] = await timed(peerRefresh);

  const work = join(tmp, 'work');
  await git(tmp, ['clone', '-q', bare, work]);
  await run('sh', ['-c', 'echo change >> dir0/file0.txt'], { cwd: work });
  await git(work, ['commit', '-qam', 'one more', '--author', 'B <b@example.org>']);
  await git(work, ['push', '-q', 'origin', 'master']);
  const [second, ferryUpdate] = await timed(() => runGitDriver(resource, { stateDir, blobs, previous: first.manifest, logger }));
  const [, peerUpdate] = await timed(peerRefresh);

  const tree = join(tmp, 'tree');
  await writeTree(tree, 'bench', second, blobs);
  const served = await startStaticServer(tree);
  const [, cloneTime] = await timed(() => git(tmp, ['clone', '-q', '--bare', `${served.base}/git/bench/repo.git`, join(tmp, 'client.git')]));
  await served.close();
  await upstream.close();

  const row = (what: string, ferry: number, peerMs: number) => console.log(`${what.padEnd(28)} ferry ${ferry.toFixed(0).padStart(6)} ms   peer ${peerMs.toFixed(0).padStart(6)} ms   ferry/peer ${(ferry / peerMs).toFixed(2)}`);
  row('initial mirror + publish', ferryInitial, peerInitial);
  row('refresh, unchanged', ferryNoop, peerNoop);
  row('refresh, one new commit', ferryUpdate, peerUpdate);
  console.log(`published pack: ferry ${(ferryPack / 1e6).toFixed(1)} MB , peer ${(peerPack / 1e6).toFixed(1)} MB (deltas), ratio ${(ferryPack / peerPack).toFixed(2)}`);
  console.log(`dumb-HTTP clone of the ferry tree: ${cloneTime.toFixed(0)} ms; fetched bytes (initial, update): ${logger.lines.filter((l) => l.includes('fetched')).map((l) => /fetched (\d+)/.exec(l)?.[1]).join(', ')}`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
