/**
 * The git driver against every kind of upstream it reads: smart HTTP with credentials (never on
 * git's command line), dumb HTTP (a static server), git:// (git daemon) and ssh:// (sshd on
 * 127.0.0.1 with a generated key and strict host-key checking); submodules reported, not
 * followed; refs deleted upstream leave the next snapshot. Each published repository is checked
 * with `git clone` over the tree's dumb HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import type { BlobStore } from '../../../src/store/types.js';
import { dirBlobStore, gitResource, recordingLogger, runGitDriver, writeTree, type DriverRun } from './driver-harness.js';
import { git, startGitDaemon, startSmartServer, startSshd, startStaticServer, type Listening } from './git-servers.js';

let tmp: string;
let upstreamRoot: string;
let blobs: BlobStore;
let master: string;
const servers: Listening[] = [];

async function clonedHead(run: DriverRun, name: string, repo: string): Promise<string> {
  const tree = join(tmp, `tree-${name}`);
  await writeTree(tree, 'm', run, blobs);
  const server = await startStaticServer(tree);
  servers.push(server);
  const clone = join(tmp, `clone-${name}`);
  await git(tmp, ['clone', '-q', `${server.base}/git/m/${repo}.git`, clone]);
  return git(clone, ['rev-parse', 'HEAD']);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-git-upstreams-'));
  upstreamRoot = join(tmp, 'upstream');
  const work = join(tmp, 'work');
  await mkdir(work, { recursive: true });
  await git(work, ['init', '-q', '-b', 'master']);
  await writeFile(join(work, 'README'), 'hello\n');
  await writeFile(join(work, '.gitmodules'), '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://git.example.org/lib.git\n');
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', 'first']);
  await git(work, ['branch', 'old']);
  master = await git(work, ['rev-parse', 'HEAD']);
  await mkdir(upstreamRoot);
  await git(tmp, ['clone', '-q', '--bare', work, join(upstreamRoot, 'repo.git')]);
  await git(join(upstreamRoot, 'repo.git'), ['update-server-info']);
  blobs = await dirBlobStore(join(tmp, 'blobs'));
});

afterAll(async () => {
  for (const s of servers) await s.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('git driver: upstreams', () => {
  it('smart HTTP with a password: sent as a header, never on the command line, never in the cache', async () => {
    const upstream = await startSmartServer(upstreamRoot, { auth: 'bot:hunter2secret' });
    servers.push(upstream);
    // A `git` first on PATH that records its arguments and environment names, then runs the real one.
    const bin = join(tmp, 'bin');
    await mkdir(bin);
    const log = join(tmp, 'git-argv.log');
    await writeFile(join(bin, 'git'), `#!/bin/sh\necho "$*" >> ${log}\nexec /usr/bin/git "$@"\n`);
    await chmod(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    const url = upstream.base.replace('http://', 'http://bot:hunter2secret@');
    try {
      const run = await runGitDriver(gitResource('m', { repositories: [{ name: 'repo', url: `${url}/repo.git` }] }), { stateDir: join(tmp, 'state-auth'), blobs });
      expect(await clonedHead(run, 'auth', 'repo')).toBe(master);
    } finally {
      process.env.PATH = path;
    }
    const argv = await readFile(log, 'utf8');
    expect(argv).toMatch(/fetch/);
    expect(argv).not.toContain('hunter2secret');
    expect(argv).not.toContain(Buffer.from('bot:hunter2secret').toString('base64'));
    const cached: string[] = [];
    for (const e of await readdir(join(tmp, 'state-auth'), { recursive: true, withFileTypes: true })) {
      if (e.isFile()) cached.push(join(e.parentPath, e.name));
    }
    expect(cached.some((f) => f.endsWith('/config'))).toBe(true);
    for (const f of cached) expect((await readFile(f)).includes('hunter2')).toBe(false);
    expect(upstream.counts.get('unauthorized') ?? 0).toBeLessThanOrEqual(2);

    const denied = await runGitDriver(gitResource('m', { repositories: [{ name: 'repo', url: `${upstream.base.replace('http://', 'http://bot:wrong@')}/repo.git` }] }), { stateDir: join(tmp, 'state-denied'), blobs }).catch((e: unknown) => e);
    expect((denied as FerryError).code).toBe('FERRY_GIT');
    expect((denied as FerryError).message).toMatch(/asks for credentials/);
    expect(JSON.stringify((denied as FerryError).toJSON())).not.toContain('wrong@');
  });

  it('dumb HTTP (a static server)', async () => {
    const upstream = await startStaticServer(upstreamRoot);
    servers.push(upstream);
    const run = await runGitDriver(gitResource('m', { repositories: [{ name: 'repo', url: `${upstream.base}/repo.git`, refs: ['master'] }] }), { stateDir: join(tmp, 'state-dumb'), blobs });
    expect(Object.keys((run.resolution.upstream as { repositories: { repo: { refs: object } } }).repositories.repo.refs)).toEqual(['refs/heads/master']);
    expect(await clonedHead(run, 'dumb', 'repo')).toBe(master);
  });

  it('git:// (git daemon)', async () => {
    const daemon = await startGitDaemon(upstreamRoot);
    servers.push(daemon);
    const run = await runGitDriver(gitResource('m', { repositories: [{ name: 'repo', url: `${daemon.base}/repo.git` }] }), { stateDir: join(tmp, 'state-daemon'), blobs });
    expect(await clonedHead(run, 'daemon', 'repo')).toBe(master);
  });

  it('ssh:// (sshd on 127.0.0.1, the mirror key, strict host keys)', async () => {
    const sshd = await startSshd(join(tmp, 'sshd'));
    servers.push(sshd);
    const spec = { repositories: [{ name: 'repo', url: `${sshd.base}${upstreamRoot}/repo.git` }], ssh_key_file: sshd.keyFile, ssh_known_hosts_file: sshd.knownHosts };
    const run = await runGitDriver(gitResource('m', spec), { stateDir: join(tmp, 'state-ssh'), blobs });
    expect(await clonedHead(run, 'ssh', 'repo')).toBe(master);
    // Another host key than the known one: refused, no prompt.
    const other = join(tmp, 'other_known_hosts');
    await writeFile(other, (await readFile(sshd.knownHosts, 'utf8')).replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMm3bNxk8jW7XGnX9b1n2Fo5fvyQhF2uYbC7x5w9gX3v'));
    const refused = await runGitDriver(gitResource('m', { ...spec, ssh_known_hosts_file: other }), { stateDir: join(tmp, 'state-ssh-bad'), blobs }).catch((e: unknown) => e);
    expect((refused as FerryError).code).toBe('FERRY_GIT');
    expect((refused as FerryError).message).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION/);
  });

  it('reports submodule URLs without following them', async () => {
    const upstream = await startSmartServer(upstreamRoot);
    servers.push(upstream);
    const logger = recordingLogger();
    const run = await runGitDriver(gitResource('m', { repositories: [{ name: 'repo', url: `${upstream.base}/repo.git` }] }), { stateDir: join(tmp, 'state-sub'), blobs, logger });
    expect((run.resolution.upstream as { repositories: { repo: { submodules: unknown } } }).repositories.repo.submodules).toEqual([{ path: 'vendor/lib', url: 'https://git.example.org/lib.git' }]);
    expect(logger.lines.filter((l) => l.includes('submodule vendor/lib (https://git.example.org/lib.git) is not mirrored'))).toHaveLength(1);
    expect(upstream.counts.get('fetch')).toBe(1);
  });

  it('a branch deleted upstream leaves the next snapshot; an exact ref deleted is a model error', async () => {
    const upstream = await startSmartServer(upstreamRoot);
    servers.push(upstream);
    const state = join(tmp, 'state-delete');
    const all = gitResource('m', { repositories: [{ name: 'repo', url: `${upstream.base}/repo.git` }] });
    const exact = gitResource('x', { repositories: [{ name: 'repo', url: `${upstream.base}/repo.git`, refs: ['old'] }] });
    const first = await runGitDriver(all, { stateDir: state, blobs });
    const firstExact = await runGitDriver(exact, { stateDir: join(tmp, 'state-exact'), blobs });
    expect(Object.keys((first.resolution.upstream as { repositories: { repo: { refs: object } } }).repositories.repo.refs)).toEqual(['refs/heads/master', 'refs/heads/old']);
    await git(join(upstreamRoot, 'repo.git'), ['branch', '-D', 'old']);
    try {
      const next = await runGitDriver(all, { stateDir: state, blobs, previous: first.manifest });
      expect(Object.keys((next.resolution.upstream as { repositories: { repo: { refs: object } } }).repositories.repo.refs)).toEqual(['refs/heads/master']);
      const packed = next.generated.find((g) => g.path === 'repo.git/packed-refs');
      expect(Buffer.from(packed?.content ?? []).toString()).not.toContain('refs/heads/old');
      const error = await runGitDriver(exact, { stateDir: join(tmp, 'state-exact'), blobs, previous: firstExact.manifest }).catch((e: unknown) => e);
      expect((error as FerryError).code).toBe('FERRY_INVALID_MODEL');
      expect((error as FerryError).data).toMatchObject({ repository: 'repo', expected: 'old' });
    } finally {
      await git(join(upstreamRoot, 'repo.git'), ['branch', 'old', master]);
    }
  });
});
