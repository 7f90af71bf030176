/**
 * The controller end to end with real parts: a git server (nginx + fcgiwrap + git
 * http-backend, basic auth) on 127.0.0.1, the example model pushed to it, the example upstream,
 * and `ferry run`'s controller. A Gerrit ref-updated webhook publishes the new commit; a revert
 * pushed and announced by change-merged serves the previous snapshot again with 0 bytes
 * downloaded; a forged GitHub signature and an unknown Gerrit token get 401 and change nothing;
 * a lost webhook is caught by the poll (through the real `ferry run` CLI); suspension holds
 * until resumed. No secret ever reaches a log line.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startExampleUpstream, type ExampleUpstream } from '../../examples/upstream/serve.js';
import { parseControllerConfig, type ControllerConfig } from '../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../src/controller/controller.js';
import { readEvents } from '../../src/controller/events/event-log.js';
import { readEndpoint } from '../../src/controller/persisted-state.js';
import { setSuspended } from '../../src/controller/suspension.js';
import type { Logger } from '../../src/core/logger.js';
import { CIRROS_063, LAB_NODE, ModelRepo } from '../helpers/model-repo.js';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';
import { startGitServer, type GitServer } from '../integration/controller/git-server.js';

const GERRIT_TOKEN = 'gerrit-path-token-0123456789';
const GITHUB_SECRET = 'github-hmac-secret-abcdef';
const OLD_FILE = '/file/images-cirros/cirros-0.6.2-x86_64-disk.img';
const NEW_FILE = '/file/images-cirros/cirros-0.6.3-x86_64-disk.img';

let upstream: ExampleUpstream;
let server: GitServer;
let repo: ModelRepo;
const temps: string[] = [];
const lines: string[] = [];
const recorder: Logger = {
  debug: (m, f) => lines.push(JSON.stringify({ m, f })),
  info: (m, f) => lines.push(JSON.stringify({ m, f })),
  warn: (m, f) => lines.push(JSON.stringify({ m, f })),
  error: (m, f) => lines.push(JSON.stringify({ m, f })),
};

async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const status = async (c: { url: string }) => (await fetch(`${c.url}/status`)).json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const served = async (url: string, path: string) => (await fetch(`${url}${path}`)).status;
const push = () => repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main');

function gerritRefUpdated(rev: string, refName = 'refs/heads/main') {
  return JSON.stringify({ type: 'ref-updated', refUpdate: { project: 'model', refName, oldRev: '0'.repeat(40), newRev: rev }, eventCreatedOn: 1 });
}

beforeAll(async () => {
  upstream = await startExampleUpstream();
  server = await startGitServer();
  await server.createRepo('model');
  repo = new ModelRepo(upstream.url);
  temps.push(repo.dir);
  push();
});
afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('ferry run, end to end with a real git server', () => {
  let state: string;
  let controller: RunningController;
  let config: ControllerConfig;
  const env = { ...process.env, FERRY_GIT_PASSWORD: '', FERRY_GERRIT_TOKEN: GERRIT_TOKEN, FERRY_GITHUB_SECRET: GITHUB_SECRET };

  beforeAll(async () => {
    env.FERRY_GIT_PASSWORD = server.password;
    state = mkdtempSync(join(tmpdir(), 'ferry-ctl-state-'));
    temps.push(state);
    config = parseControllerConfig(
      {
        stateDir: state,
        node: LAB_NODE,
        source: { git: { url: server.url('model'), branch: 'main', auth: { username: server.user, passwordEnv: 'FERRY_GIT_PASSWORD' } } },
        listen: { host: '127.0.0.1', port: 0 },
        poll: false,
        webhooks: { gerrit: { tokenEnv: 'FERRY_GERRIT_TOKEN' }, github: { secretEnv: 'FERRY_GITHUB_SECRET' } },
        reconcile: { timeout: '60s', backoff: { base: '200ms', max: '2s' } },
      },
      state,
    );
    controller = await startController(config, { logger: recorder, env, processMetrics: false });
  });
  afterAll(async () => {
    await controller?.close();
  });

  it('applies the branch head at start, a pushed commit on a Gerrit webhook, and rolls back on a pushed revert', async () => {
    const a = repo.head();
    const s0 = await waitUntil('the first apply', async () => {
      const s = await status(controller);
      return s.lastAppliedRevision === a && s.phase === 'idle' && s;
    });
    expect(s0.published.commit).toBe(a);
    const snapshotA = s0.published.snapshot as string;
    expect(await served(controller.url, OLD_FILE)).toBe(200);
    expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);

    // Commit B: pushed, then announced by Gerrit's ref-updated (the payload's newRev is a lie:
    // the controller fetches and resolves the branch itself).
    repo.append('classes/cluster/lab/mirror.yml', CIRROS_063);
    const b = repo.commit('B: CirrOS 0.6.3');
    push();
    const hook = await fetch(`${controller.url}/hooks/gerrit/${GERRIT_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gerritRefUpdated('f'.repeat(40)) });
    expect(hook.status).toBe(202);
    expect(await hook.json()).toMatchObject({ accepted: true });
    await waitUntil('B served', async () => (await served(controller.url, NEW_FILE)) === 200);
    const sB = await waitUntil('B recorded', async () => {
      const s = await status(controller);
      return s.lastAppliedRevision === b && s.phase === 'idle' && s;
    });
    expect(sB.published.snapshot).not.toBe(snapshotA);
    expect(await served(controller.url, OLD_FILE)).toBe(404);

    // Forged and unknown: 401, and nothing runs.
    const runsBefore = controller.loop.state.nextRunId;
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'e'.repeat(40) });
    const forged = await fetch(`${controller.url}/hooks/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}` },
      body,
    });
    expect(forged.status).toBe(401);
    const unknown = await fetch(`${controller.url}/hooks/gerrit/not-the-token`, { method: 'POST', body: gerritRefUpdated(b) });
    expect(unknown.status).toBe(401);
    const patchset = await fetch(`${controller.url}/hooks/gerrit/${GERRIT_TOKEN}`, { method: 'POST', body: gerritRefUpdated(b, 'refs/changes/01/1/1') });
    expect(await patchset.json()).toMatchObject({ accepted: false });
    const big = await fetch(`${controller.url}/hooks/gerrit/${GERRIT_TOKEN}`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }).catch(() => undefined);
    if (big) expect(big.status).toBe(413);
    await new Promise((r) => setTimeout(r, 300));
    expect(controller.loop.state.nextRunId).toBe(runsBefore);
    expect((await status(controller)).lastAppliedRevision).toBe(b);

    // git revert B, pushed; Gerrit's change-merged announces it.
    repo.git('revert', '--no-edit', 'HEAD');
    const revert = repo.head();
    push();
    const requestsBefore = upstream.requests.length;
    const merged = await fetch(`${controller.url}/hooks/gerrit/${GERRIT_TOKEN}`, {
      method: 'POST',
      body: JSON.stringify({ type: 'change-merged', change: { project: 'model', branch: 'main' }, newRev: revert }),
    });
    expect(merged.status).toBe(202);
    const sR = await waitUntil('the revert applied', async () => {
      const s = await status(controller);
      return s.lastAppliedRevision === revert && s.phase === 'idle' && s;
    });
    expect(sR.published.snapshot).toBe(snapshotA);
    expect(basename(readlinkSync(join(state, 'current')))).toBe(snapshotA);
    expect(sR.lastRun).toMatchObject({ result: 'succeeded', outcome: 'reused', bytesFetched: 0 });
    expect(upstream.requests.length).toBe(requestsBefore);
    expect(await served(controller.url, OLD_FILE)).toBe(200);

    await waitUntil('the RolledBack event', async () => (await readEvents(state)).some((e) => e.type === 'RolledBack' && e.revision === revert));
    const events = (await readEvents(state)).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['NewRevision', 'ApplySucceeded', 'RolledBack']));
    const metrics = await (await fetch(`${controller.url}/metrics`)).text();
    expect(metrics).toMatch(/ferry_reconcile_duration_seconds_count\{result="reused"\} 1/);
    expect(metrics).toMatch(new RegExp(`ferry_published_snapshot_info\\{snapshot="${snapshotA}",commit="${a}"`));
    expect(metrics).toMatch(/ferry_webhook_requests_total\{provider="github",result="unauthorized"\} 1/);
    expect(metrics).toMatch(/ferry_git_fetch_duration_seconds_count \d+/);
  }, 180_000);

  it('keeps serving the last good snapshot when a commit is invalid, reports it, and a new commit supersedes it', async () => {
    const before = await status(controller);
    const servedSnapshot = before.published.snapshot as string;
    repo.write('classes/cluster/lab/mirror.yml', 'parameters:\n  ferry: [unclosed\n');
    const bad = repo.commit('broken YAML');
    push();
    const gerrit = (rev: string) => fetch(`${controller.url}/hooks/gerrit/${GERRIT_TOKEN}`, { method: 'POST', body: gerritRefUpdated(rev) });
    expect((await gerrit(bad)).status).toBe(202);
    const sBad = await waitUntil('the failure reported', async () => {
      const s = await status(controller);
      return s.failingRevision === bad && s.phase === 'idle' && s;
    });
    expect(sBad).toMatchObject({ stalled: true, failures: 1, lastAttemptedRevision: bad, lastAppliedRevision: before.lastAppliedRevision });
    expect(sBad.lastErrors[0]).toMatchObject({ code: 'FERRY_YAML_SYNTAX', data: { file: 'classes/cluster/lab/mirror.yml' } });
    expect(sBad.published.snapshot).toBe(servedSnapshot);
    expect(await served(controller.url, OLD_FILE)).toBe(200);
    const failed = await waitUntil('the ValidationFailed event', async () => (await readEvents(state)).filter((e) => e.type === 'ValidationFailed').at(-1));
    expect(failed).toMatchObject({ revision: bad });

    repo.git('revert', '--no-edit', 'HEAD');
    const fixed = repo.head();
    push();
    expect((await gerrit(fixed)).status).toBe(202);
    const sFixed = await waitUntil('the fix applied', async () => {
      const s = await status(controller);
      return s.lastAppliedRevision === fixed && s.phase === 'idle' && s;
    });
    expect(sFixed).toMatchObject({ failures: 0, stalled: false, lastErrors: [] });
    expect(sFixed.published.snapshot).toBe(servedSnapshot);
  }, 180_000);

  it('puts the branch head back when current is switched behind its back (rollback --no-suspend)', async () => {
    const before = await status(controller);
    const rolled = await runFerry(['rollback', '--state', state, '--no-suspend']);
    expect(rolled.code).toBe(0);
    const back = await waitUntil('the drift corrected', async () => {
      const s = await status(controller);
      return s.lastRun?.by?.includes('drift') && s.lastRun.result === 'succeeded' && s.phase === 'idle' && s;
    });
    expect(back.published.snapshot).toBe(before.published.snapshot);
    expect(back.lastAppliedRevision).toBe(before.lastAppliedRevision);
  }, 180_000);

  it('never logs a secret', () => {
    const all = lines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [server.password, GERRIT_TOKEN, GITHUB_SECRET]) expect(all).not.toContain(secret);
  });
});

describe('ferry run (the CLI): a lost webhook is caught by the poll; suspend holds until resume', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('polls, reports status, honours suspension and `ferry reconcile --wait`', async () => {
    const state = mkdtempSync(join(tmpdir(), 'ferry-ctl-cli-'));
    temps.push(state);
    const secretFile = join(state, '..', `${basename(state)}.git-password`);
    writeFileSync(secretFile, `${server.password}\n`, { mode: 0o600 });
    temps.push(secretFile);
    const configFile = join(state, 'ferry.yaml');
    writeFileSync(
      configFile,
      [
        `stateDir: ${state}`,
        `node: ${LAB_NODE}`,
        'source:',
        '  git:',
        `    url: ${server.url('model')}`,
        '    branch: main',
        `    auth: {username: ${server.user}, passwordFile: ${secretFile}}`,
        'listen: {host: 127.0.0.1, port: 0}',
        'poll: {interval: 700ms, jitter: 0.2}',
        'reconcile: {timeout: 60s}',
      ].join('\n') + '\n',
    );
    let stderr = '';
    child = spawnFerry(['run', '--config', configFile], { env: { FERRY_LOG_LEVEL: 'info' } });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const endpoint = await waitUntil('the controller endpoint', () => readEndpoint(state), 30_000);
    const head0 = repo.head();
    await waitUntil('the startup apply', async () => (await status(endpoint)).lastAppliedRevision === head0);

    // A commit pushed without any webhook: the poll finds it.
    repo.append('classes/cluster/lab/mirror.yml', CIRROS_063);
    const c = repo.commit('C: CirrOS 0.6.3 again');
    push();
    const sC = await waitUntil('the poll to apply C', async () => {
      const s = await status(endpoint);
      return s.lastAppliedRevision === c && s.phase === 'idle' && s;
    });
    expect(sC.lastRun.by).toContain('poll');
    expect(typeof sC.nextPollAt).toBe('string');

    // Suspended (as `ferry rollback` does): a new commit is not applied until resume.
    await setSuspended(state, { suspended: true, reason: 'rollback to X', by: 'ferry rollback' });
    await waitUntil('suspension visible', async () => (await status(endpoint)).suspension.suspended === true);
    const refused = await fetch(`${endpoint.url}/control/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${endpoint.token}` } });
    expect(refused.status).toBe(409);
    expect(await (await fetch(`${endpoint.url}/metrics`)).text()).toMatch(/ferry_suspended 1/);
    repo.git('revert', '--no-edit', 'HEAD');
    const d = repo.head();
    push();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await status(endpoint)).lastAppliedRevision).toBe(c);
    expect((await runFerry(['resume', '--state', state])).code).toBe(0);
    await waitUntil('D applied after resume', async () => (await status(endpoint)).lastAppliedRevision === d);

    const asked = await runFerry(['reconcile', '--state', state, '--wait', '--force']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/succeeded/);
    const events = await runFerry(['events', '--state', state, '--json']);
    const types = events.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['NewRevision', 'ApplySucceeded', 'Suspended', 'Resumed', 'RolledBack']));
    expect(stderr).not.toContain(server.password);
  }, 180_000);
});
