/**
 * The git driver against a real smart-HTTP upstream (git http-backend behind a node CGI bridge),
 * its output served by a plain static server and read back with the real git client over the
 * dumb HTTP protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, cp, mkdir, mkdtemp, open, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import type { Resource } from '../../../src/core/resource.js';
import { compactCache } from '../../../src/drivers/git/compact-cache.js';
import { cacheDirFor } from '../../../src/drivers/git/mirror-cache.js';
import type { BlobStore } from '../../../src/store/types.js';
import { dirBlobStore, gitResource, recordingLogger, runGitDriver, writeTree, type DriverRun } from './driver-harness.js';
import { git, startSmartServer, startStaticServer, type Listening, type SmartServer } from './git-servers.js';

let firstNginxBytes = 0;
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

/** Serves a tree built from `generated` and returns the clone URL base of the mirror. */
async function publish(run: DriverRun, name: string): Promise<string> {
  const tree = join(tmp, `tree-${name}`);
  await writeTree(tree, 'formulas', run.generated);
  const server = await startStaticServer(tree);
  servers.push(server);
  return `${server.base}/git/formulas`;
}

function refsOf(lsRemote: string): string[] {
  return lsRemote
    .split('\n')
    .filter((l) => l.includes('\trefs/'))
    .sort();
}

function upload(): number {
  return upstream.counts.get('POST git-upload-pack') ?? 0;
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
  blobs = dirBlobStore(join(tmp, 'blobs'));
  stateDir = join(tmp, 'state');
  resource = gitResource('formulas', {
    repositories: [
      { name: 'salt-formulas/nginx', url: `${upstream.base}/nginx.git` },
      { name: 'tools', url: `${upstream.base}/tools.git`, refs: ['master'] },
    ],
  });
  const firstLogger = recordingLogger();
  first = await runGitDriver(resource, { stateDir, blobs, logger: firstLogger });
  firstNginxBytes = Number(firstLogger.lines.map((l) => /salt-formulas\/nginx: fetched (\d+) bytes/.exec(l)).find((m) => m !== null)?.[1]);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await upstream?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('git driver: publish', () => {
  it('returns no files to download and records the refs it published', () => {
    expect(first.resolution.files).toEqual([]);
    const repos = (first.resolution.upstream as { repositories: Record<string, { head: string; refs: Record<string, string> }> }).repositories;
    expect(Object.keys(repos).sort()).toEqual(['salt-formulas/nginx', 'tools']);
    expect(repos['salt-formulas/nginx'].head).toBe('refs/heads/master');
    expect(Object.keys(repos['salt-formulas/nginx'].refs)).toEqual(['refs/heads/develop', 'refs/heads/master', 'refs/tags/light', 'refs/tags/v1.0']);
    expect(Object.keys(repos.tools.refs)).toEqual(['refs/heads/master']);
    const paths = first.generated.map((g) => g.path).filter((p) => p.startsWith('tools.git/')).map((p) => p.replace(/pack-[0-9a-f]{40}/, 'pack-X'));
    expect(paths.sort()).toEqual(['tools.git/HEAD', 'tools.git/info/refs', 'tools.git/objects/info/packs', 'tools.git/objects/pack/pack-X.idx', 'tools.git/objects/pack/pack-X.pack', 'tools.git/packed-refs']);
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

  it('publishes only the selected refs, and a pack git itself verifies', async () => {
    const base = await publish(first, 'tools');
    expect(refsOf(await git(tmp, ['ls-remote', `${base}/tools.git`]))).toEqual([`${await git(join(tmp, 'tools-work'), ['rev-parse', 'master'])}\trefs/heads/master`]);
    const idx = first.generated.find((g) => g.path.startsWith('tools.git/objects/pack/') && g.path.endsWith('.idx'));
    const dir = join(tmp, 'verify');
    await writeTree(dir, 'v', first.generated);
    const verified = await git(tmp, ['verify-pack', '-v', join(dir, 'git/v', idx?.path ?? 'missing')]);
    expect(verified).toMatch(/^[0-9a-f]{40} commit /m);
    expect(verified).toMatch(/non delta: 3 objects/);
  });

  it('fetches the history of the selected refs only', async () => {
    const gitdir = cacheDirFor(stateDir, `${upstream.base}/tools.git`);
    const tools = join(tmp, 'tools-work');
    await git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'master'])]);
    await expect(git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'feature'])])).rejects.toThrow();
    await expect(git(gitdir, ['--git-dir', gitdir, 'cat-file', '-e', await git(tools, ['rev-parse', 'feature:feature-only.txt'])])).rejects.toThrow();
  });

  it('builds the same bytes from a fresh cache (deterministic pack)', async () => {
    const again = await runGitDriver(resource, { stateDir: join(tmp, 'state-fresh'), blobs });
    const digests = (r: DriverRun) => r.manifest.files.map((f) => `${f.path} ${f.sha256}`).sort();
    expect(digests(again)).toEqual(digests(first));
  });
});

describe('git driver: refresh', () => {
  it('an unchanged refresh lists the refs and fetches nothing', async () => {
    const uploads = upload();
    const adverts = upstream.counts.get('GET git-upload-pack') ?? 0;
    const logger = recordingLogger();
    const again = await runGitDriver(resource, { stateDir, blobs, previous: first.manifest, logger });
    expect(upload()).toBe(uploads);
    expect(upstream.counts.get('GET git-upload-pack')).toBe(adverts + 2);
    expect(again.manifest.files).toEqual(first.manifest.files);
    expect(logger.lines.filter((l) => l.includes('nothing to fetch'))).toHaveLength(2);
  });

  it('publishes a new upstream commit, fetching only the new objects', async () => {
    const newHead = await commitFile(work, 'nginx/map.jinja', '{% set nginx = {} %}\n', 'third');
    await git(work, ['push', '-q', join(upstreamRoot, 'nginx.git'), 'master']);
    const uploads = upload();
    const logger = recordingLogger();
    const cacheBefore = await readdir(join(stateDir, 'cache/git'));
    const next = await runGitDriver(resource, { stateDir, blobs, previous: first.manifest, logger });
    expect(upload()).toBe(uploads + 1);
    expect(await readdir(join(stateDir, 'cache/git'))).toEqual(cacheBefore);
    const fetched = logger.lines.map((l) => /fetched (\d+) bytes/.exec(l)).filter((m) => m !== null);
    expect(fetched).toHaveLength(1);
    // The new commit, its trees and blob, and the server's progress lines (whose length varies
    // with timing): less than the first fetch, which a refetch of the whole history would exceed.
    expect(firstNginxBytes).toBeGreaterThan(0);
    expect(Number(fetched[0]?.[1])).toBeLessThan(firstNginxBytes * 0.8);
    const tools = (r: DriverRun) => r.manifest.files.filter((f) => f.path.startsWith('tools.git/'));
    expect(tools(next)).toEqual(tools(first));
    const copied = logger.lines.map((l) => /packed (\d+) objects \((\d+) copied/.exec(l)).filter((m) => m !== null);
    expect(copied).toHaveLength(1);
    expect(Number(copied[0]?.[2])).toBeGreaterThan(0);
    expect(Number(copied[0]?.[2])).toBeLessThan(Number(copied[0]?.[1]));
    const rebuilt = await runGitDriver(resource, { stateDir: join(tmp, 'state-rebuilt'), blobs });
    expect(rebuilt.manifest.files).toEqual(next.manifest.files);
    const base = await publish(next, 'next');
    const clone = join(tmp, 'clone-nginx');
    await git(clone, ['pull', '-q', `${base}/salt-formulas/nginx.git`, 'master']);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(newHead);
    expect(await readFile(join(clone, 'nginx/map.jinja'), 'utf8')).toBe('{% set nginx = {} %}\n');
    const fresh = join(tmp, 'clone-fresh');
    await git(tmp, ['clone', '-q', `${base}/salt-formulas/nginx.git`, fresh]);
    expect(await git(fresh, ['rev-parse', 'HEAD'])).toBe(newHead);
  });
});

describe('git driver: no refresh asked', () => {
  it('publishes a repository unchanged in the model as before, without asking upstream', async () => {
    const requests = [...upstream.counts.values()].reduce((a, b) => a + b, 0);
    const grown = gitResource('formulas', { repositories: [...(resource.spec.repositories as object[]), { name: 'tools-all', url: `${upstream.base}/tools.git` }] });
    const logger = recordingLogger();
    const run = await runGitDriver(grown, { stateDir, blobs, previous: first.manifest, refresh: false, logger });
    const nginx = (r: DriverRun) => r.manifest.files.filter((f) => !f.path.startsWith('tools-all.git/'));
    expect(nginx(run)).toEqual(first.manifest.files);
    expect(logger.lines.filter((l) => l.includes('published as before'))).toHaveLength(2);
    // Only the new repository talks to upstream: its refs, then a fetch of the branch the cache lacks.
    expect([...upstream.counts.values()].reduce((a, b) => a + b, 0)).toBe(requests + 3);
    expect(run.manifest.files.some((f) => f.path === 'tools-all.git/info/refs')).toBe(true);
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
  it('merges the cache packs into one, deltas kept, and packs the same repository from it', async () => {
    const gitdir = cacheDirFor(stateDir, `${upstream.base}/nginx.git`);
    const packs = async () => (await readdir(join(gitdir, 'objects/pack'))).filter((n) => n.endsWith('.pack'));
    expect((await packs()).length).toBeGreaterThan(1);
    const before = await runGitDriver(resource, { stateDir, blobs });
    expect(await compactCache(gitdir, { signal: new AbortController().signal, maxPacks: 1 })).toBe(true);
    const [merged] = await packs();
    expect(await packs()).toHaveLength(1);
    await git(gitdir, ['verify-pack', join(gitdir, 'objects/pack', merged.replace('.pack', '.idx'))]);
    await git(gitdir, ['--git-dir', gitdir, 'fsck', '--full', '--no-dangling']);
    const after = await runGitDriver(resource, { stateDir, blobs });
    expect(after.manifest.files).toEqual(before.manifest.files);
    expect(await compactCache(gitdir, { signal: new AbortController().signal, maxPacks: 1 })).toBe(false);
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

  it('starts a damaged cache over when a fetch cannot make its objects readable', async () => {
    const damaged = join(tmp, 'state-damaged');
    await cp(join(tmp, 'state-fresh'), damaged, { recursive: true });
    for (const dir of await readdir(join(damaged, 'cache/git'))) {
      const packDir = join(damaged, 'cache/git', dir, 'objects/pack');
      for (const name of (await readdir(packDir)).filter((n) => n.endsWith('.pack'))) {
        const file = await open(join(packDir, name), 'r+');
        const { size } = await stat(join(packDir, name));
        await file.write(Buffer.alloc(size - 32, 0x55), 0, size - 32, 12);
        await file.close();
      }
    }
    const logger = recordingLogger();
    const healed = await runGitDriver(resource, { stateDir: damaged, blobs, logger });
    expect(logger.lines.filter((l) => l.includes('fetching again from scratch'))).toHaveLength(2);
    const digests = (r: DriverRun) => r.manifest.files.filter((f) => f.path.startsWith('tools.git/')).map((f) => f.sha256);
    expect(digests(healed)).toEqual(digests(first));
  });

  it('clears a cache that lacks an object packing needs, and the next run rebuilds it', async () => {
    const url = `${upstream.base}/tools.git`;
    const tools = gitResource('tools', { repositories: [{ name: 'tools', url, refs: ['master'] }] });
    const lacking = join(tmp, 'state-lacking');
    const good = await runGitDriver(tools, { stateDir: lacking, blobs });
    const gitdir = cacheDirFor(lacking, url);
    const bare = join(upstreamRoot, 'tools.git');
    const blob = await git(bare, ['rev-parse', 'master:tool.py']);
    const objects = (await git(bare, ['rev-list', '--objects', '--all'])).split('\n').map((l) => l.slice(0, 40)).filter((o) => o !== blob);
    await rm(join(gitdir, 'objects/pack'), { recursive: true });
    await mkdir(join(gitdir, 'objects/pack'));
    const packer = spawn('git', ['pack-objects', '-q', join(gitdir, 'objects/pack/pack')], { cwd: bare, stdio: ['pipe', 'ignore', 'inherit'] });
    packer.stdin.end(objects.join('\n') + '\n');
    await new Promise((resolve) => packer.on('close', resolve));
    const error = await runGitDriver(tools, { stateDir: lacking, blobs }).catch((e: unknown) => e);
    expect((error as FerryError).code).toBe('FERRY_GIT');
    expect((error as FerryError).message).toMatch(/damaged and has been cleared/);
    expect((error as FerryError).data.repository).toBe('tools');
    await expect(stat(gitdir)).rejects.toThrow();
    expect((await runGitDriver(tools, { stateDir: lacking, blobs })).manifest.files).toEqual(good.manifest.files);
  });

  it('stops with FERRY_ABORTED when the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await runGitDriver(resource, { stateDir: join(tmp, 'state-aborted'), blobs, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as FerryError).code).toBe('FERRY_ABORTED');
  });
});
