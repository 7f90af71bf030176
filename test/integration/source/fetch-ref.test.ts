import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, git, type GitServer } from '../controller/git-server.js';
import { fetchModelAtRef } from '../../../src/source/git/fetch-ref.js';
import { fetchBranch } from '../../../src/source/git/fetch-branch.js';
import { FerryError } from '../../../src/core/ferry-error.js';

describe('fetching the model over smart HTTP (nginx + git http-backend)', () => {
  let server: GitServer;
  let work: string;
  let tmp: string;
  beforeAll(async () => {
    server = await startGitServer();
    tmp = await mkdtemp(join(tmpdir(), 'ferry-fetchref-'));
    work = join(tmp, 'work');
    await server.createRepo('model');
    await mkdir(join(work, 'inventory', 'nodes'), { recursive: true });
    await git(tmp, ['init', '-q', '-b', 'main', work]);
    await writeFile(join(work, 'inventory', 'nodes', 'mirror01.yml'), 'parameters: {a: 1}\n');
    await writeFile(join(work, 'README.md'), 'not a model file\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'A']);
    await git(work, ['push', '-q', server.authUrl('model'), 'main']);
    // A Gerrit-style patchset ref.
    await writeFile(join(work, 'inventory', 'nodes', 'mirror01.yml'), 'parameters: {a: 2}\n');
    await git(work, ['commit', '-qam', 'B (review)']);
    await git(work, ['push', '-q', server.authUrl('model'), 'HEAD:refs/changes/01/1/1']);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads a branch and a refs/changes patchset without a checkout', async () => {
    const auth = { username: server.user, password: server.password };
    const cacheDir = join(tmp, 'cache');
    const main = await fetchModelAtRef({ url: server.url('model'), ref: 'main', cacheDir, auth, modelPath: 'inventory' });
    expect(main.commit).toBe(await git(work, ['rev-parse', 'HEAD~1']));
    expect([...main.files.keys()]).toEqual(['nodes/mirror01.yml']);
    expect(main.files.get('nodes/mirror01.yml')).toContain('a: 1');
    const change = await fetchModelAtRef({ url: server.url('model'), ref: 'refs/changes/01/1/1', cacheDir, auth, modelPath: 'inventory' });
    expect(change.commit).toBe(await git(work, ['rev-parse', 'HEAD']));
    expect(change.files.get('nodes/mirror01.yml')).toContain('a: 2');
  });

  it('fails with FERRY_GIT and no password in the message on bad credentials', async () => {
    const secret = 'wrong-password-xyz';
    const err = await fetchBranch({ gitdir: join(tmp, 'bad.git'), url: server.url('model'), ref: 'main', auth: { username: 'ferry', password: secret } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('FERRY_GIT');
    expect(JSON.stringify((err as FerryError).toJSON()) + (err as Error).message).not.toContain(secret);
  });

  it('fails on a missing branch', async () => {
    const auth = { username: server.user, password: server.password };
    await expect(fetchBranch({ gitdir: join(tmp, 'nobranch.git'), url: server.url('model'), ref: 'nope', auth })).rejects.toThrow(/nope|ref/);
  });
});
