/**
 * Rollback by revert: how long from `apply` of a reverted commit to the old snapshot being
 * served, for models of 1k, 10k and 100k small files, next to the first apply of the same model
 * (which downloads and builds everything) as the reference in the same run.
 *
 *   npx tsx bench/revert.ts            # 1000 10000 100000
 *   BENCH_SIZES=1000,10000 npx tsx bench/revert.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readModelAtCommit } from '../src/source/model-source.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { startServer } from '../src/serve/server.js';

const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const body = (i: number) => createHash('sha256').update(`file-${i}`).digest();
const sha = (i: number) => createHash('sha256').update(body(i)).digest('hex');

const upstream = createServer((req, res) => {
  const i = Number((req.url ?? '').split('/').pop());
  res.writeHead(200, { 'Content-Length': 32 }).end(body(i));
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const port = (upstream.address() as { port: number }).port;

function model(dir: string, n: number, extra: boolean): void {
  mkdirSync(join(dir, 'classes', 'system'), { recursive: true });
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  const perMirror = 10000;
  const lines = ['parameters:', '  ferry:', '    site: {name: bench, retention: 5}', '    mirrors:'];
  for (let m = 0; m * perMirror < n; m++) {
    lines.push(`      files-${m}:`, '        kind: file', '        files:');
    for (let i = m * perMirror; i < Math.min(n, (m + 1) * perMirror); i++) lines.push(`          - {url: "http://127.0.0.1:${port}/f/${i}", sha256: ${sha(i)}, size: 32, path: "d${i % 100}/f${i}"}`);
  }
  if (extra) lines.push('      extra:', '        kind: file', '        files:', `          - {url: "http://127.0.0.1:${port}/f/${n}", sha256: ${sha(n)}, size: 32}`);
  writeFileSync(join(dir, 'classes', 'system', 'mirrors.yml'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'nodes', 'bench.yml'), 'classes:\n  - system.mirrors\n');
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], { cwd: dir });
const seconds = (ms: number) => (ms / 1000).toFixed(2);

console.log('files    first apply (s)  revert apply→served (s)  ratio revert/first');
for (const n of sizes) {
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-revert-'));
  const repo = join(root, 'model');
  const state = join(root, 'state');
  mkdirSync(repo);
  model(repo, n, false);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'A');
  const applyAt = async () => {
    const { commit, files } = await readModelAtCommit({ dir: repo, ref: 'main' });
    return reconcile({ stateDir: state, model: files, commit });
  };
  let t = performance.now();
  const a = await applyAt();
  const first = performance.now() - t;
  console.log(`  first apply steps (ms): ${JSON.stringify(a.steps)}`);

  model(repo, n, true);
  git(repo, 'commit', '-qam', 'B');
  await applyAt();
  git(repo, 'revert', '--no-edit', 'HEAD');

  const server = await startServer({ stateDir: state, port: 0 });
  t = performance.now();
  const reverted = await applyAt();
  const res = await fetch(`${server.url}/file/files-0/d0/f0`);
  await res.arrayBuffer();
  const revert = performance.now() - t;
  await server.close();
  if (reverted.snapshot !== a.snapshot || reverted.stats.bytesFetched !== 0 || res.status !== 200) throw new Error('revert did not re-publish the old snapshot without download');
  console.log(`${String(n).padEnd(8)} ${seconds(first).padStart(15)}  ${seconds(revert).padStart(23)}  ${(revert / first).toFixed(4).padStart(19)}`);
  rmSync(root, { recursive: true, force: true });
}
upstream.close();
