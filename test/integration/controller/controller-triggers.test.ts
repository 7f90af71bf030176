/**
 * The controller with an injected reconcile (no pipeline): the directory watch, the HTTP
 * routes' guards (body limit, methods, control token), and the commit-signature policy on a
 * real git server (an unsigned head is reported and not applied; a signed one is).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseControllerConfig } from '../../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../../src/controller/controller.js';
import { readEvents } from '../../../src/controller/events/event-log.js';
import type { ReconcileOptions, ReconcileResult } from '../../../src/reconcile/reconcile.js';
import { readEndpoint } from '../../../src/controller/persisted-state.js';
import { git, startGitServer, type GitServer } from './git-server.js';

const run = promisify(execFile);
const temps: string[] = [];
const temp = async (p: string) => {
  const d = await mkdtemp(join(tmpdir(), p));
  temps.push(d);
  return d;
};
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

function fakeReconcile(calls: ReconcileOptions[]) {
  return async (o: ReconcileOptions): Promise<ReconcileResult> => {
    calls.push(o);
    return {
      outcome: 'published',
      snapshot: `snap-${calls.length}`,
      desiredHash: 'h',
      plan: { desiredHash: 'h', upToDate: false, resources: [], summary: { add: 0, change: 0, keep: 0, remove: 0, fetchFiles: 0, fetchBytes: 0, unknownSizes: 0 } },
      stats: { requests: 0, bytesFetched: 0, filesFetched: 0, durationMs: 1 },
    };
  };
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a local model folder, watched', () => {
  let controller: RunningController;
  const calls: ReconcileOptions[] = [];
  let dir: string;
  let state: string;
  beforeAll(async () => {
    dir = await temp('ferry-watch-model-');
    state = await temp('ferry-watch-state-');
    await mkdir(join(dir, 'nodes'));
    await writeFile(join(dir, 'nodes', 'n.yml'), 'parameters: {a: 1}\n');
    const config = parseControllerConfig({ stateDir: state, source: { dir }, poll: false, listen: { port: 0 }, watch: { debounce: '1s' }, webhooks: { github: { secretEnv: 'GH' } } }, dir);
    controller = await startController(config, { reconcile: fakeReconcile(calls), env: { GH: 'gh-secret' }, processMetrics: false });
    await waitUntil('the startup run', () => calls.length === 1 && controller.status().phase === 'idle');
  });
  afterAll(async () => {
    await controller?.close();
  });

  it('reconciles once per burst of changes, and not for non-YAML files', async () => {
    for (let i = 2; i <= 5; i++) await writeFile(join(dir, 'nodes', 'n.yml'), `parameters: {a: ${i}}\n`);
    await waitUntil('the watch run', () => calls.length === 2 && controller.status().phase === 'idle');
    expect(calls[1].model.get('nodes/n.yml')).toBe('parameters: {a: 5}\n');
    expect(calls[1].commit).toBeUndefined();
    await writeFile(join(dir, 'README.md'), 'not model\n');
    // Longer than the debounce: a run would have started by now.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(calls.length).toBe(2);
    const s = controller.status();
    expect(s.lastRun?.by).toEqual(['watch']);
    expect(s.source).toMatchObject({ kind: 'dir', dir });
  });

  it('guards its routes: methods, body size, unconfigured providers, the control token', async () => {
    const u = controller.url;
    expect((await fetch(`${u}/hooks/github`)).status).toBe(405);
    expect((await fetch(`${u}/hooks/gitlab`, { method: 'POST', body: '{}' })).status).toBe(404);
    const big = await fetch(`${u}/hooks/github`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 120) }).catch(() => undefined);
    if (big) expect(big.status).toBe(413);
    expect((await fetch(`${u}/control/reconcile`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${u}/control/reconcile`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const endpoint = await readEndpoint(state);
    expect(endpoint?.url).toBe(u);
    const ok = await fetch(`${u}/control/reconcile?force=1`, { method: 'POST', headers: { authorization: `Bearer ${endpoint?.token ?? ''}` } });
    expect(ok.status).toBe(202);
    const body = (await ok.json()) as { runId: number };
    await waitUntil('the forced run', () => controller.status().recentRuns.some((r) => r.runId === body.runId && r.result === 'succeeded'));
    expect(calls.length).toBe(3);
    expect((await fetch(`${u}/healthz`)).status).toBe(200);
    expect((await fetch(`${u}/readyz`)).status).toBe(503); // the fake publishes nothing
  });
});

describe('a local model folder, watched, whose desired state reads a requirements file', () => {
  let controller: RunningController;
  const calls: ReconcileOptions[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await temp('ferry-watch-reqs-');
    const state = await temp('ferry-watch-reqs-state-');
    await mkdir(join(dir, 'nodes'));
    await mkdir(join(dir, 'reqs'));
    await writeFile(join(dir, 'nodes', 'n.yml'), 'parameters: {a: 1}\n');
    await writeFile(join(dir, 'reqs', 'site.txt'), 'six==1.16.0\n');
    const config = parseControllerConfig({ stateDir: state, source: { dir }, poll: false, listen: { port: 0 }, watch: { debounce: '300ms' } }, dir);
    const fake = fakeReconcile(calls);
    // As reconcile reports a pypi mirror's inlined requirements file.
    controller = await startController(config, { reconcile: async (o) => ({ ...(await fake(o)), modelFiles: ['reqs/site.txt'] }), processMetrics: false });
    await waitUntil('the startup run', () => calls.length === 1 && controller.status().phase === 'idle');
  });
  afterAll(async () => {
    await controller?.close();
  });

  it('runs when only that file changes (a new revision), and not for other non-YAML files', async () => {
    await writeFile(join(dir, 'reqs', 'site.txt'), 'six==1.17.0\n');
    await waitUntil('the watch run', () => calls.length >= 2 && controller.status().phase === 'idle');
    const after = calls.length;
    expect(controller.status().lastRun?.by).toContain('watch');
    await writeFile(join(dir, 'reqs', 'other.txt'), 'not named\n');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calls.length).toBe(after);
  });
});

describe('the commit-signature policy on a real git server', () => {
  let server: GitServer;
  let controller: RunningController;
  const calls: ReconcileOptions[] = [];
  let work: string;
  let state: string;
  let key: string;
  const push = () => git(work, ['push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main']);
  beforeAll(async () => {
    server = await startGitServer();
    await server.createRepo('model');
    const tmp = await temp('ferry-sigpolicy-');
    work = join(tmp, 'work');
    state = join(tmp, 'state');
    await run('git', ['init', '-q', '-b', 'main', work]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'release', '-f', join(tmp, 'key')]);
    await writeFile(join(tmp, 'allowed'), `release@example.org namespaces="git" ${(await readFile(join(tmp, 'key.pub'), 'utf8')).trim()}\n`);
    await mkdir(join(work, 'nodes'));
    await writeFile(join(work, 'nodes', 'n.yml'), 'parameters: {a: 1}\n');
    await git(work, ['add', '.']);
    await git(work, ['commit', '-qm', 'unsigned']);
    await push();
    const config = parseControllerConfig(
      {
        stateDir: state,
        source: { git: { url: server.url('model'), branch: 'main', auth: { username: server.user, passwordEnv: 'PW' } } },
        poll: false,
        listen: { port: 0 },
        signatures: { sshAllowedSigners: join(tmp, 'allowed') },
      },
      tmp,
    );
    controller = await startController(config, { reconcile: fakeReconcile(calls), env: { PW: server.password }, processMetrics: false });
    key = join(tmp, 'key');
  });
  afterAll(async () => {
    await controller?.close();
    await server?.stop();
  });

  it('reports an unsigned head and does not apply it; applies the next, signed commit', async () => {
    await waitUntil('the startup run', () => controller.status().failures === 1 && controller.status().phase === 'idle');
    const s = controller.status();
    expect(calls.length).toBe(0);
    expect(s.stalled).toBe(true);
    expect(s.lastErrors[0]).toMatchObject({ code: 'FERRY_UNTRUSTED_COMMIT' });
    expect(s.failingRevision).toBe(await git(work, ['rev-parse', 'HEAD']));
    await waitUntil('the events on disk', async () => (await readEvents(state)).length >= 2);
    expect((await readEvents(state)).map((e) => e.type)).toEqual(['NewRevision', 'UntrustedCommit']);

    await writeFile(join(work, 'nodes', 'n.yml'), 'parameters: {a: 2}\n');
    await git(work, ['add', '.']);
    await git(work, ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`, 'commit', '-q', '-S', '-m', 'signed']);
    await push();
    const signed = await git(work, ['rev-parse', 'HEAD']);
    controller.requestRun({ by: 'test' });
    await waitUntil('the signed commit', () => controller.status().lastAppliedRevision === signed);
    expect(calls.length).toBe(1);
    expect(calls[0].commit).toBe(signed);
    expect(controller.status().lastRun?.detail).toMatch(/signed by release@example.org \(ssh\)/);
  });
});
