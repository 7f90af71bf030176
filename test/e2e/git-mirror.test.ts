/**
 * A git mirror end to end through the real CLI: a model naming an upstream repository served
 * over smart HTTP (git http-backend), `ferry apply`, `ferry serve`'s server, `git clone` of the
 * published repository over dumb HTTP, then `ferry apply --refresh` after a new upstream commit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supportedKinds } from '../../src/drivers/registry.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { runFerry } from '../helpers/run-ferry.js';
import { git, startSmartServer, type SmartServer } from '../integration/git/git-servers.js';

let tmp: string;
let work: string;
let upstream: SmartServer;
let modelDir: string;
let state: string;
let server: RunningServer | undefined;

function model(url: string): string {
  return `classes: []
parameters:
  ferry:
    site:
      name: gitlab
    mirrors:
      formulas:
        kind: git
        repositories:
          - name: salt-formulas/nginx
            url: ${url}
            refs: [master, "refs/tags/*"]
`;
}

async function apply(extra: string[] = []): Promise<{ outcome: string; snapshot: string }> {
  const run = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json', ...extra]);
  if (run.code !== 0) throw new Error(`ferry apply exited ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as { outcome: string; snapshot: string };
}

async function commit(path: string, text: string, message: string): Promise<string> {
  writeFileSync(join(work, path), text);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', message]);
  await git(work, ['push', '-q', join(tmp, 'upstream', 'nginx.git'), 'master', '--tags']);
  return git(work, ['rev-parse', 'HEAD']);
}

beforeAll(async () => {
  if (!supportedKinds().includes('git')) {
    throw new Error('kind git is not registered: add gitDriver (src/drivers/git/driver.ts) to src/drivers/registry.ts');
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-git-'));
  work = join(tmp, 'work');
  mkdirSync(work);
  mkdirSync(join(tmp, 'upstream'));
  await git(work, ['init', '-q', '-b', 'master']);
  writeFileSync(join(work, 'init.sls'), 'nginx:\n  pkg.installed\n');
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', 'first']);
  await git(work, ['tag', '-a', 'v1.0', '-m', 'release 1.0']);
  await git(tmp, ['init', '-q', '--bare', join(tmp, 'upstream', 'nginx.git')]);
  await git(work, ['push', '-q', join(tmp, 'upstream', 'nginx.git'), 'master', '--tags']);
  upstream = await startSmartServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(`${upstream.base}/nginx.git`));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '--allow-empty', '-m', 'empty'], { cwd: modelDir });
  execFileSync('git', ['add', '-A'], { cwd: modelDir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'git mirror'], { cwd: modelDir });
  state = join(tmp, 'state');
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('git mirror, end to end', () => {
  it('publishes a clonable repository, then a new upstream commit on --refresh', async () => {
    const first = await apply();
    expect(first.outcome).toBe('published');
    server = await startServer({ stateDir: state, port: 0 });
    const url = `${server.url}/git/formulas/salt-formulas/nginx.git`;
    const clone = join(tmp, 'clone');
    await git(tmp, ['clone', '-q', url, clone]);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(await git(work, ['rev-parse', 'master']));
    expect(await git(clone, ['cat-file', '-t', 'v1.0'])).toBe('tag');
    expect(readFileSync(join(clone, 'init.sls'), 'utf8')).toBe('nginx:\n  pkg.installed\n');

    const uploads = upstream.counts.get('POST git-upload-pack') ?? 0;
    await apply(['--refresh']);
    expect(upstream.counts.get('POST git-upload-pack') ?? 0).toBe(uploads);

    const head = await commit('map.jinja', '{% set nginx = {} %}\n', 'second');
    const refreshed = await apply(['--refresh']);
    expect(refreshed.outcome).toBe('published');
    expect(refreshed.snapshot).not.toBe(first.snapshot);
    expect(upstream.counts.get('POST git-upload-pack') ?? 0).toBe(uploads + 1);
    await git(clone, ['pull', '-q', 'origin', 'master']);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(head);
    expect(readFileSync(join(clone, 'map.jinja'), 'utf8')).toBe('{% set nginx = {} %}\n');

    const fsck = await runFerry(['fsck', '--state', state]);
    expect(fsck.code).toBe(0);
  });
});
