/**
 * The git driver against a real smart-HTTP upstream (git http-backend behind a node CGI bridge),
 * its output laid out as a snapshot tree (hard links to the blobs) and read back with the real
 * git client: over dumb HTTP from a plain static server, and over smart HTTP through the CGI
 * runner `ferry serve` uses (shallow clones).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import type { Resource } from '../../../src/core/resource.js';
import { cacheDirFor, listPacks, repackGeometric } from '../../../src/drivers/git/mirror-cache.js';
import { gitSmartHttp } from '../../../src/drivers/git/smart-http.js';
import { silentLogger } from '../../../src/core/logger.js';
import { runCgi } from '../../../src/serve/cgi.js';
import type { BlobStore } from '../../../src/store/types.js';
import { dirBlobStore, gitResource, recordingLogger, runGitDriver, writeTree, type DriverRun } from './driver-harness.js';
import { git, startSmartServer, startStaticServer, type Listening, type SmartServer } from './git-servers.js';

let tmp: string;
let work: string;
let upstreamRoot: string;
let upstream: SmartServer;
let blobs: BlobStore;
let stateDir: string;
let resource: Resource;
let first: DriverRun;
const servers: Listening[] = [];

async function commitFile(dir: string, path: string, content: string, message: string): Promise<string> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Serves a tree laid out from `run` statically (dumb HTTP) and returns the clone URL base of the mirror. */
async function publish(run: DriverRun, name: string): Promise<string> {
  const tree = join(tmp, `tree-${name}`);
  await writeTree(tree, 'formulas', run, blobs);
  const server = await startStaticServer(tree);
  servers.push(server);
  return `${server.base}/git/formulas`;
}

/** Serves a tree laid out from `run` over smart HTTP (git http-backend, as ferry serve runs it). */
async function publishSmart(run: DriverRun, name: string): Promise<string> {
  const tree = join(tmp, `tree-smart-${name}`);
  await writeTree(tree, 'formulas', run, blobs);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const segments = url.pathname.split('/').filter(Boolean);
    const answer = gitSmartHttp.match(segments, url.search, req.method);
    if (!answer || 'refuse' in answer) {
      res.statusCode = 403;
      res.end();
      return;
    }
    void runCgi(req, res, url.search.slice(1), { command: 'git', args: ['http-backend'], env: gitSmartHttp.env(tree), vars: { PATH_INFO: answer.pathInfo }, logger: silentLogger });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  servers.push({ base: '', close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/git/formulas`;
}

function fetches(): number {
  return upstream.counts.get('fetch') ?? 0;
}

function fetchedBytes(run: DriverRun): number {
  return run.resolution.fetched?.bytes ?? 0;
}

function refsOf(lsRemote: string): string[] {
  return lsRemote
    .split('\n')
    .filter((l) => l.includes('\trefs/'))
    .sort();
}


beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-git-driver-'));
  work = join(tmp, 'work');
  upstreamRoot = join(tmp, 'upstream');
  await mkdir(work);
  await git(work, ['init', '-q', '-b', 'master']);
  await commitFile(work, 'README.md', 'nginx formula\n', 'first');
  await mkdir(join(work, 'scripts'));
  await writeFile(join(work, 'scripts/run.sh'), '#!/bin/sh\necho run\n');
  await chmod(join(work, 'scripts/run.sh'), 0o755);
  await symlink('README.md', join(work, 'link'));
  await commitFile(work, 'nginx/init.sls', 'nginx:\n  pkg.installed\n', 'state');
  await git(work, ['tag', '-a', 'v1.0', '-m', 'release 1.0']);
  await git(work, ['tag', 'light']);
  await git(work, ['checkout', '-q', '-b', 'develop']);
  await commitFile(work, 'develop.txt', 'work in progress\n', 'develop');
  await git(work, ['checkout', '-q', 'master']);
  await commitFile(work, 'README.md', 'nginx formula, second edition\n', 'second');
  await mkdir(upstreamRoot);
  await git(tmp, ['clone', '-q', '--bare', work, join(upstreamRoot, 'nginx.git')]);
  const tools = join(tmp, 'tools-work');
  await mkdir(tools);
  await git(tools, ['init', '-q', '-b', 'master']);
  await commitFile(tools, 'tool.py', 'print(1)\n', 'tool');
  await git(tools, ['checkout', '-q', '-b', 'feature']);
  await commitFile(tools, 'feature-only.txt', 'only on the feature branch\n', 'feature');
  await git(tools, ['checkout', '-q', 'master']);
  await git(tmp, ['clone', '-q', '--bare', tools, join(upstreamRoot, 'tools.git')]);
  upstream = await startSmartServer(upstreamRoot);
  blobs = await dirBlobStore(join(tmp, 'blobs'));
  stateDir = join(tmp, 'state');
  resource = gitResource('formulas', {
    repositories: [
      { name: 'salt-formulas/nginx', url: `${upstream.base}/nginx.git` },
      { name: 'tools', url: `${upstream.base}/tools.git`, refs: ['master'] },
    ],
  });
  first = await runGitDriver(resource, { stateDir, blobs });
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await upstream?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});


const packPath = /\/objects\/pack\/pack-[0-9a-f]{40}\.(pack|idx)$/;

describe('git driver: publish', () => {
  it('publishes the cache packs as files already in the store, and records the refs', async () => {
    const packs = first.resolution.files;
    expect(packs.length).toBeGreaterThanOrEqual(4);
    expect(packs.every((f) => packPath.test(`/${f.path}`))).toBe(true);
    for (const f of packs) expect(await blobs.has(f.sha256)).toBe(true);
    expect(packs.every((f) => !f.url.includes('hunter2'))).toBe(true);
    const repos = (first.resolution.upstream as { repositories: Record<string, { head: string; refs: Record<string, string> }> }).repositories;
    expect(Object.keys(repos).sort()).toEqual(['salt-formulas/nginx', 'tools']);
    expect(repos['salt-formulas/nginx'].head).toBe('refs/heads/master');
    expect(Object.keys(repos['salt-formulas/nginx'].refs)).toEqual(['refs/heads/develop', 'refs/heads/master', 'refs/tags/light', 'refs/tags/v1.0']);
    expect(Object.keys(repos.tools.refs)).toEqual(['refs/heads/master']);
    const paths = first.manifest.files.map((g) => g.path).filter((p) => p.startsWith('tools.git/')).map((p) => p.replace(/pack-[0-9a-f]{40}/, 'pack-X'));
    expect(paths.sort()).toEqual(['tools.git/HEAD', 'tools.git/config', 'tools.git/info/refs', 'tools.git/objects/info/packs', 'tools.git/objects/pack/pack-X.idx', 'tools.git/objects/pack/pack-X.pack', 'tools.git/packed-refs', 'tools.git/refs/.keep']);
    expect(first.resolution.fetched?.files).toBe(2);
    expect(fetchedBytes(first)).toBe(packs.filter((f) => f.path.endsWith('.pack')).reduce((n, f) => n + (f.size ?? 0), 0));
  });

  it('links the packs of the cache: one inode for the cache file, the blob and the tree entry', async () => {
    const gitdir = cacheDirFor(stateDir, `${upstream.base}/nginx.git`);
    const [name] = await listPacks(gitdir);
    const inCache = await stat(join(gitdir, 'objects/pack', `${name}.pack`));
    const file = first.resolution.files.find((f) => f.path.endsWith(`${name}.pack`));
    const blob = await stat(blobs.pathOf(file?.sha256 ?? ''));
    expect(blob.ino).toBe(inCache.ino);
    const tree = join(tmp, 'tree-inode');
    await writeTree(tree, 'formulas', first, blobs);
    expect((await stat(join(tree, 'git/formulas', file?.path ?? ''))).ino).toBe(inCache.ino);
  });

  it('is cloned over dumb HTTP by the real git client, refs, tags and contents intact', async () => {
    const base = await publish(first, 'first');
    const clone = join(tmp, 'clone-nginx');
    await git(tmp, ['clone', '-q', `${base}/salt-formulas/nginx.git`, clone]);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(await git(work, ['rev-parse', 'master']));
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('nginx formula, second edition\n');
    expect(await readFile(join(clone, 'nginx/init.sls'), 'utf8')).toBe('nginx:\n  pkg.installed\n');
    const modes = await git(clone, ['ls-files', '-s']);
    expect(modes).toMatch(/^100755 [0-9a-f]{40} 0\tscripts\/run\.sh$/m);
    expect(modes).toMatch(/^120000 [0-9a-f]{40} 0\tlink$/m);
    expect(await git(clone, ['cat-file', '-t', 'v1.0'])).toBe('tag');
    expect(await git(clone, ['rev-parse', 'v1.0^{commit}'])).toBe(await git(work, ['rev-parse', 'v1.0^{commit}']));
    expect(await git(clone, ['rev-parse', 'origin/develop'])).toBe(await git(work, ['rev-parse', 'develop']));
    await git(clone, ['fsck', '--full', '--strict']);
    const published = refsOf(await git(tmp, ['ls-remote', `${base}/salt-formulas/nginx.git`]));
    expect(published).toEqual(refsOf(await git(tmp, ['ls-remote', `${upstream.base}/nginx.git`])));
    expect(published).toContain(`${await git(work, ['rev-parse', 'v1.0^{}'])}\trefs/tags/v1.0^{}`);
  });

  it('is cloned shallow (--depth 1) over smart HTTP, and in full, from the same snapshot', async () => {
    const base = await publishSmart(first, 'first');
    const shallow = join(tmp, 'clone-shallow');
    await git(tmp, ['clone', '-q', '--depth', '1', `${base}/salt-formulas/nginx.git`, shallow]);
    expect(await git(shallow, ['rev-parse', 'HEAD'])).toBe(await git(work, ['rev-parse', 'master']));
    expect(await git(shallow, ['rev-list', '--count', 'HEAD'])).toBe('1');
    expect(await readFile(join(shallow, 'README.md'), 'utf8')).toBe('nginx formula, second edition\n');
    const full = join(tmp, 'clone-smart');
    await git(tmp, ['clone', '-q', '--mirror', `${base}/salt-formulas/nginx.git`, full]);
    expect(refsOf(await git(full, ['show-ref']).then((t) => t.split('\n').map((l) => l.replace(' ', '\t')).join('\n')))).toEqual(
      refsOf(await git(tmp, ['ls-remote', `${upstream.base}/nginx.git`])).filter((l) => !l.endsWith('^{}')),
    );
    await git(full, ['fsck', '--full']);
    await expect(git(tmp, ['push', '-q', `${base}/salt-formulas/nginx.git`, 'HEAD:refs/heads/x'], { GIT_DIR: join(shallow, '.git') })).rejects.toThrow();
  });

  it('publishes only the selected refs, in packs git itself verifies', async () => {
    const base = await publish(first, 'tools');
    expect(refsOf(await git(tmp, ['ls-remote', `${base}/tools.git`]))).toEqual([`${await git(join(tmp, 'tools-work'), ['rev-parse', 'master'])}\trefs/heads/master`]);
    const dir = join(tmp, 'verify');
    await writeTree(dir, 'v', first, blobs);
    for (const idx of first.resolution.files.filter((f) => f.path.endsWith('.idx'))) {
      expect(await git(tmp, ['verify-pack', '-v', join(dir, 'git/v', idx.path)])).toMatch(/^[0-9a-f]{40} commit /m);
    }
  });

  it('fetches the history of the selected refs only', async () => {
    const gitdir = cacheDirFor(stateDir, `${upstream.base}/tools.git`);
    const tools = join(tmp, 'tools-work');
    await git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'master'])]);
    await expect(git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'feature'])])).rejects.toThrow();
    await expect(git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'feature:feature-only.txt'])])).rejects.toThrow();
  });

  it('writes the same refs from a fresh cache', async () => {
    const again = await runGitDriver(resource, { stateDir: join(tmp, 'state-fresh'), blobs });
    const text = (r: DriverRun) => r.manifest.files.filter((f) => f.generated && !f.path.endsWith('objects/info/packs')).map((f) => `${f.path} ${f.sha256}`).sort();
    expect(text(again)).toEqual(text(first));
  });
});

describe('git driver: refresh', () => {
  it('an unchanged refresh lists the refs and fetches nothing', async () => {
    const before = fetches();
    const listings = upstream.counts.get('ls-refs') ?? 0;
    const logger = recordingLogger();
    const again = await runGitDriver(resource, { stateDir, blobs, previous: first.manifest, logger });
    expect(fetches()).toBe(before);
    expect(upstream.counts.get('ls-refs')).toBe(listings + 2);
    expect(again.manifest.files).toEqual(first.manifest.files);
    expect(again.resolution.fetched).toEqual({ files: 0, bytes: 0 });
    expect(logger.lines.filter((l) => l.includes('nothing to fetch'))).toHaveLength(2);
  });

  it('publishes a new upstream commit as one more small pack; the first pack is shared', async () => {
    const newHead = await commitFile(work, 'nginx/map.jinja', '{% set nginx = {} %}\n', 'third');
    await git(work, ['push', '-q', join(upstreamRoot, 'nginx.git'), 'master']);
    const before = fetches();
    const cacheBefore = await readdir(join(stateDir, 'cache/git'));
    const next = await runGitDriver(resource, { stateDir, blobs, previous: first.manifest });
    expect(fetches()).toBe(before + 1);
    expect(await readdir(join(stateDir, 'cache/git'))).toEqual(cacheBefore);
    const nginxPacks = (r: DriverRun) => r.resolution.files.filter((f) => f.path.startsWith('salt-formulas/nginx.git/') && f.path.endsWith('.pack'));
    const [old] = nginxPacks(first);
    expect(nginxPacks(next)).toContainEqual(old);
    expect(nginxPacks(next)).toHaveLength(2);
    expect(fetchedBytes(next)).toBeGreaterThan(0);
    expect(fetchedBytes(next)).toBeLessThan(old.size ?? 0);
    const tools = (r: DriverRun) => r.manifest.files.filter((f) => f.path.startsWith('tools.git/'));
    expect(tools(next)).toEqual(tools(first));
    const base = await publish(next, 'next');
    const clone = join(tmp, 'clone-nginx');
    await git(clone, ['pull', '-q', `${base}/salt-formulas/nginx.git`, 'master']);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(newHead);
    expect(await readFile(join(clone, 'nginx/map.jinja'), 'utf8')).toBe('{% set nginx = {} %}\n');
    const fresh = join(tmp, 'clone-fresh');
    await git(tmp, ['clone', '-q', `${base}/salt-formulas/nginx.git`, fresh]);
    expect(await git(fresh, ['rev-parse', 'HEAD'])).toBe(newHead);
    // The first snapshot still serves its own refs (a rollback restores them).
    const old1 = await publishSmart(first, 'rollback');
    expect(refsOf(await git(tmp, ['ls-remote', `${old1}/salt-formulas/nginx.git`, 'refs/heads/master']))).toEqual([`${await git(work, ['rev-parse', 'master~1'])}\trefs/heads/master`]);
  });
});

describe('git driver: no refresh asked', () => {
  it('publishes a repository unchanged in the model as before, without asking upstream', async () => {
    const requests = () => (upstream.counts.get('GET git-upload-pack') ?? 0) + (upstream.counts.get('POST git-upload-pack') ?? 0);
    const before = requests();
    const grown = gitResource('formulas', { repositories: [...(resource.spec.repositories as object[]), { name: 'tools-all', url: `${upstream.base}/tools.git` }] });
    const logger = recordingLogger();
    const run = await runGitDriver(grown, { stateDir, blobs, previous: first.manifest, refresh: false, logger });
    const nginx = (r: DriverRun) => r.manifest.files.filter((f) => !f.path.startsWith('tools-all.git/'));
    expect(nginx(run)).toEqual(first.manifest.files);
    expect(logger.lines.filter((l) => l.includes('published as before'))).toHaveLength(2);
    // Only the new repository talks to upstream: one git fetch (GET, ls-refs, fetch of the branch the cache lacks).
    expect(requests()).toBe(before + 3);
    expect(run.manifest.files.some((f) => f.path === 'tools-all.git/packed-refs')).toBe(true);
  });
});

describe('git driver: HEAD', () => {
  it("follows upstream's HEAD when it names a published branch", async () => {
    const bare = join(upstreamRoot, 'tools.git');
    await git(bare, ['symbolic-ref', 'HEAD', 'refs/heads/feature']);
    try {
      const all = gitResource('all', { repositories: [{ name: 'tools', url: `${upstream.base}/tools.git` }] });
      const run = await runGitDriver(all, { stateDir: join(tmp, 'state-head'), blobs });
      const head = run.generated.find((g) => g.path === 'tools.git/HEAD');
      expect(Buffer.from(head?.content ?? []).toString()).toBe('ref: refs/heads/feature\n');
      const base = await publish(run, 'head');
      const clone = join(tmp, 'clone-head');
      await git(tmp, ['clone', '-q', `${base}/tools.git`, clone]);
      expect(await readFile(join(clone, 'feature-only.txt'), 'utf8')).toBe('only on the feature branch\n');
    } finally {
      await git(bare, ['symbolic-ref', 'HEAD', 'refs/heads/master']);
    }
  });
});

describe('git driver: cache', () => {
  it('a geometric repack rolls the small packs into one, keeps the large one, and older snapshots keep their blobs', async () => {
    const bigWork = join(tmp, 'big-work');
    await mkdir(join(bigWork, 'files'), { recursive: true });
    await git(bigWork, ['init', '-q', '-b', 'master']);
    for (let i = 0; i < 300; i++) await writeFile(join(bigWork, 'files', `${i}.txt`), `file ${i}\n`);
    await commitFile(bigWork, 'README', 'big\n', 'many files');
    await git(tmp, ['clone', '-q', '--bare', bigWork, join(upstreamRoot, 'big.git')]);
    const big = gitResource('big', { repositories: [{ name: 'big', url: `${upstream.base}/big.git` }] });
    const bigState = join(tmp, 'state-big');
    const firstBig = await runGitDriver(big, { stateDir: bigState, blobs });
    const gitdir = cacheDirFor(bigState, `${upstream.base}/big.git`);
    const [largest] = await listPacks(gitdir);
    let previous = firstBig.manifest;
    const snapshots: DriverRun[] = [];
    for (let i = 0; i < 4; i++) {
      await commitFile(bigWork, `notes/${i}.txt`, `note ${i}\n`, `note ${i}`);
      await git(bigWork, ['push', '-q', join(upstreamRoot, 'big.git'), 'master']);
      const run = await runGitDriver(big, { stateDir: bigState, blobs, previous });
      snapshots.push(run);
      previous = run.manifest;
    }
    const packs = await listPacks(gitdir);
    expect(packs).toHaveLength(5);
    expect(await repackGeometric(gitdir, new AbortController().signal, 3)).toBe(true);
    const after = await listPacks(gitdir);
    expect(after).toHaveLength(2);
    expect(after).toContain(largest);
    await git(gitdir, ['--git-dir', gitdir, 'fsck', '--full', '--no-dangling']);
    const again = await runGitDriver(big, { stateDir: bigState, blobs });
    const refs = (r: DriverRun) => r.manifest.files.filter((f) => f.path.endsWith('packed-refs'));
    expect(refs(again)).toEqual(refs(snapshots[3]));
    expect(again.resolution.files.filter((f) => f.path.endsWith('.pack'))).toHaveLength(2);
    for (const run of snapshots) for (const f of run.resolution.files) expect(await blobs.has(f.sha256)).toBe(true);
    const clone = join(tmp, 'clone-before-repack');
    await git(tmp, ['clone', '-q', `${await publish(snapshots[0], 'before-repack')}/big.git`, clone]);
    await git(clone, ['fsck', '--full']);
    expect(await readFile(join(clone, 'notes/0.txt'), 'utf8')).toBe('note 0\n');
    await expect(stat(join(clone, 'notes/1.txt'))).rejects.toThrow();
    expect(await repackGeometric(gitdir, new AbortController().signal, 3)).toBe(false);
  });
});

describe('git driver: errors', () => {
  it('names the repository when a ref is missing upstream', async () => {
    const bad = gitResource('bad', { repositories: [{ name: 'tools', url: `${upstream.base}/tools.git`, refs: ['nope'] }] });
    const error = await runGitDriver(bad, { stateDir, blobs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('FERRY_INVALID_MODEL');
    expect((error as FerryError).data).toMatchObject({ repository: 'tools', expected: 'nope' });
  });

  it('reports an unreachable repository as FERRY_GIT with its URL redacted', async () => {
    const url = `${upstream.base.replace('http://', 'http://user:hunter2@')}/missing.git`;
    const bad = gitResource('bad', { repositories: [{ name: 'missing', url }] });
    const error = await runGitDriver(bad, { stateDir, blobs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('FERRY_GIT');
    expect((error as FerryError).data.repository).toBe('missing');
    expect(JSON.stringify((error as FerryError).toJSON())).not.toContain('hunter2');
    expect((error as FerryError).data.url).toContain('***');
  });

  it('fetches again what a cache lost, and publishes the same refs', async () => {
    const url = `${upstream.base}/tools.git`;
    const tools = gitResource('tools', { repositories: [{ name: 'tools', url, refs: ['master'] }] });
    const lacking = join(tmp, 'state-lacking');
    const good = await runGitDriver(tools, { stateDir: lacking, blobs });
    const gitdir = cacheDirFor(lacking, url);
    await rm(join(gitdir, 'objects/pack'), { recursive: true });
    await mkdir(join(gitdir, 'objects/pack'));
    const healed = await runGitDriver(tools, { stateDir: lacking, blobs });
    expect(healed.resolution.fetched?.files).toBe(1);
    await git(gitdir, ['--git-dir', gitdir, 'fsck', '--full', '--no-dangling']);
    const refs = (r: DriverRun) => r.manifest.files.filter((f) => f.path.endsWith('packed-refs'));
    expect(refs(healed)).toEqual(refs(good));
  });

  it('stops with FERRY_ABORTED when the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await runGitDriver(resource, { stateDir: join(tmp, 'state-aborted'), blobs, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as FerryError).code).toBe('FERRY_ABORTED');
  });
});
