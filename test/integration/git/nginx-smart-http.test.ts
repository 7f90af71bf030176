/**
 * The printed nginx configuration serves git mirrors over smart HTTP: nginx hands
 * `info/refs?service=git-upload-pack` and `git-upload-pack` to git http-backend through
 * fcgiwrap, for the published snapshot and each retained one, so `git clone --depth 1` works
 * from nginx as from `ferry serve`; a push is refused. Needs nginx and fcgiwrap
 * (scripts/install-gitserver.sh).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servingDeclarations } from '../../../src/drivers/registry.js';
import { renderNginxServerBlock } from '../../../src/serve/nginx-config.js';
import { startNginx, type RunningNginx } from '../serve/nginx-runner.js';
import { dirBlobStore, gitResource, runGitDriver, writeTree } from './driver-harness.js';
import { git, startSmartServer, type SmartServer } from './git-servers.js';

let tmp: string;
let upstream: SmartServer;
let nginx: RunningNginx | undefined;
let fcgi: ChildProcess | undefined;
let heads: string[];

beforeAll(async () => {
  const fcgiwrap = ['/usr/sbin/fcgiwrap', '/usr/bin/fcgiwrap'].find((p) => existsSync(p));
  if (!fcgiwrap) throw new Error('fcgiwrap is missing: run scripts/install-gitserver.sh (as root)');
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'ferry-git-nginx-')));
  await chmod(tmp, 0o755);
  const work = join(tmp, 'work');
  await mkdir(work);
  await git(work, ['init', '-q', '-b', 'master']);
  heads = [];
  for (let i = 0; i < 3; i++) {
    await writeFile(join(work, 'file.txt'), `version ${i}\n`);
    await git(work, ['add', '-A']);
    await git(work, ['commit', '-q', '-m', `v${i}`]);
    heads.push(await git(work, ['rev-parse', 'HEAD']));
  }
  await mkdir(join(tmp, 'upstream'));
  await git(tmp, ['clone', '-q', '--bare', work, join(tmp, 'upstream', 'repo.git')]);
  upstream = await startSmartServer(join(tmp, 'upstream'));
  // A state folder with two snapshots of the mirror: the published one and an older one.
  const state = join(tmp, 'state');
  const blobs = await dirBlobStore(state);
  const resource = gitResource('m', { repositories: [{ name: 'repo', url: `${upstream.base}/repo.git` }] });
  const older = await runGitDriver(resource, { stateDir: state, blobs });
  await writeTree(join(state, 'snapshots', 'S1', 'tree'), 'm', older, blobs);
  await git(work, ['commit', '-q', '--allow-empty', '-m', 'newer']);
  heads.push(await git(work, ['rev-parse', 'HEAD']));
  await git(work, ['push', '-q', join(tmp, 'upstream', 'repo.git'), 'master']);
  const newer = await runGitDriver(resource, { stateDir: state, blobs, previous: older.manifest });
  await writeTree(join(state, 'snapshots', 'S2', 'tree'), 'm', newer, blobs);
  await symlink('snapshots/S2', join(state, 'current'));
  const socket = join(tmp, 'fcgi.sock');
  // Its own process group: fcgiwrap forks its workers, and the group is stopped together.
  fcgi = spawn(fcgiwrap, ['-c', '2', '-s', `unix:${socket}`], { stdio: 'ignore', detached: true });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  await chmod(socket, 0o777);
  const serving = servingDeclarations();
  nginx = await startNginx({ dir: tmp, serverBlock: (port) => renderNginxServerBlock({ stateDir: state, listen: `127.0.0.1:${port}`, serving, fcgiwrap: `unix:${socket}` }) });
});

afterAll(async () => {
  await nginx?.stop();
  if (fcgi?.pid) process.kill(-fcgi.pid, 'SIGTERM');
  await upstream?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('nginx + fcgiwrap + git http-backend (the printed configuration)', () => {
  it('clones the published snapshot shallow and in full, and a retained one at its own URL', async () => {
    const base = `http://127.0.0.1:${nginx?.port ?? 0}`;
    const shallow = join(tmp, 'shallow');
    await git(tmp, ['clone', '-q', '--depth', '1', `${base}/git/m/repo.git`, shallow]);
    expect(await git(shallow, ['rev-parse', 'HEAD'])).toBe(heads[3]);
    expect(await git(shallow, ['rev-list', '--count', 'HEAD'])).toBe('1');
    const full = join(tmp, 'full');
    await git(tmp, ['clone', '-q', '--bare', `${base}/git/m/repo.git`, full]);
    expect(await git(full, ['rev-list', '--count', 'master'])).toBe('4');
    const old = await git(tmp, ['ls-remote', `${base}/snapshots/S1/git/m/repo.git`, 'refs/heads/master']);
    expect(old.split('\t')[0]).toBe(heads[2]);
    const oldShallow = join(tmp, 'old-shallow');
    await git(tmp, ['clone', '-q', '--depth', '1', `${base}/snapshots/S1/git/m/repo.git`, oldShallow]);
    expect(await git(oldShallow, ['rev-parse', 'HEAD'])).toBe(heads[2]);
    await expect(git(shallow, ['push', '-q', 'origin', 'HEAD:refs/heads/pushed'])).rejects.toThrow();
    expect(await nginx?.errorLog()).not.toMatch(/\[(crit|alert|emerg)\]/);
  });
});
