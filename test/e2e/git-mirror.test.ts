/**
 * A git mirror end to end through the real CLI: a model naming an upstream repository served
 * over smart HTTP (git http-backend), `ferry apply`, `ferry serve`'s server, `git clone` of the
 * published repository (smart HTTP, shallow too), `ferry apply --refresh` after a new upstream
 * commit, then a model change and its `git revert`: the retained snapshot comes back with its
 * refs and nothing downloaded.
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

async function commitModel(text: string, message: string): Promise<void> {
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), text);
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-am', message], { cwd: modelDir });
}

const fetches = () => upstream.counts.get('fetch') ?? 0;

describe('git mirror, end to end', () => {
  it('publishes a clonable repository (shallow too), then a new upstream commit on --refresh', async () => {
    const first = await apply();
    expect(first.outcome).toBe('published');
    server = await startServer({ stateDir: state, port: 0 });
    const url = `${server.url}/git/formulas/salt-formulas/nginx.git`;
    const clone = join(tmp, 'clone');
    await git(tmp, ['clone', '-q', url, clone]);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(await git(work, ['rev-parse', 'master']));
    expect(await git(clone, ['cat-file', '-t', 'v1.0'])).toBe('tag');
    expect(readFileSync(join(clone, 'init.sls'), 'utf8')).toBe('nginx:\n  pkg.installed\n');

    const before = fetches();
    const again = await apply(['--refresh']);
    expect(again.outcome).toBe('unchanged');
    expect(fetches()).toBe(before);

    const head = await commit('map.jinja', '{% set nginx = {} %}\n', 'second');
    const refreshed = await apply(['--refresh']);
    expect(refreshed.outcome).toBe('published');
    expect(refreshed.snapshot).not.toBe(first.snapshot);
    expect(fetches()).toBe(before + 1);
    await git(clone, ['pull', '-q', 'origin', 'master']);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(head);
    expect(readFileSync(join(clone, 'map.jinja'), 'utf8')).toBe('{% set nginx = {} %}\n');

    const shallow = join(tmp, 'shallow');
    await git(tmp, ['clone', '-q', '--depth', '1', url, shallow]);
    expect(await git(shallow, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(shallow, ['rev-list', '--count', 'HEAD'])).toBe('1');
    // The first snapshot is still served at its own URL, with its own refs, over smart HTTP.
    const old = await git(tmp, ['ls-remote', `${server.url}/snapshots/${first.snapshot}/git/formulas/salt-formulas/nginx.git`, 'refs/heads/master']);
    expect(old.split('\t')[0]).toBe(await git(work, ['rev-parse', 'master~1']));
    await expect(git(shallow, ['push', '-q', 'origin', 'HEAD:refs/heads/pushed'])).rejects.toThrow();

    const fsck = await runFerry(['fsck', '--state', state]);
    expect(fsck.code).toBe(0);
  }, 240_000);

  it('a model change and its git revert: the old refs come back, 0 bytes downloaded', async () => {
    const url = `${server?.url ?? ''}/git/formulas/salt-formulas/nginx.git`;
    const refsNow = await git(tmp, ['ls-remote', url]);
    const withRefs = model(`${upstream.base}/nginx.git`).replace('refs: [master, "refs/tags/*"]', 'refs: [master]');
    await commitModel(withRefs, 'tags no longer mirrored');
    const changed = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json']);
    expect(changed.code).toBe(0);
    expect(await git(tmp, ['ls-remote', '--tags', url])).toBe('');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'revert', '--no-edit', 'HEAD'], { cwd: modelDir });
    const before = fetches();
    const reverted = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json']);
    expect(reverted.code).toBe(0);
    const result = JSON.parse(reverted.stdout) as { outcome: string; stats: { bytesFetched: number } };
    expect(result.outcome).toBe('reused');
    expect(result.stats.bytesFetched).toBe(0);
    expect(fetches()).toBe(before);
    expect(await git(tmp, ['ls-remote', url])).toBe(refsNow);
  }, 240_000);

  it('plans say what a git mirror fetches, adds and removes', async () => {
    await commit('plan.txt', 'plan\n', 'third');
    const plan = await runFerry(['plan', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--refresh']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/git\/formulas\s+keep\s+\d+ files, fetch 1 \((\d+ B|[\d.]+ KiB)\)/);
    expect(plan.stdout).toMatch(/\+ salt-formulas\/nginx\.git\/objects\/pack\/pack-[0-9a-f]{40}\.pack/);
    // A repository removed from the model: its packs are listed as removed.
    await commitModel(model(`${upstream.base}/nginx.git`).replace('name: salt-formulas/nginx', 'name: nginx'), 'renamed');
    const renamed = await runFerry(['plan', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state]);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toMatch(/git\/formulas\s+change\s+\d+ files, fetch 0 \(0 B\)/);
    expect(renamed.stdout).toMatch(/- salt-formulas\/nginx\.git\/objects\/pack\/pack-[0-9a-f]{40}\.pack/);
    expect(renamed.stdout).toMatch(/\+ nginx\.git\/objects\/pack\/pack-[0-9a-f]{40}\.pack/);
  }, 240_000);
});
