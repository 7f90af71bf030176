/**
 * Plan on review: a Gerrit verify job runs `ferry plan --repo URL --ref refs/changes/...` on a
 * patchset fetched over smart HTTP (nginx + git http-backend, basic auth from the environment)
 * and gets the diff against what is published; an invalid patchset exits 2 naming file:line.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExampleUpstream, type ExampleUpstream } from '../../examples/upstream/serve.js';
import { CIRROS_063, LAB_NODE, ModelRepo } from '../helpers/model-repo.js';
import { runFerry } from '../helpers/run-ferry.js';
import { startGitServer, type GitServer } from '../integration/controller/git-server.js';

let upstream: ExampleUpstream;
let server: GitServer;
let repo: ModelRepo;
let state: string;
const temps: string[] = [];

beforeAll(async () => {
  upstream = await startExampleUpstream();
  server = await startGitServer();
  await server.createRepo('model');
  repo = new ModelRepo(upstream.url);
  temps.push(repo.dir);
  repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main');
  state = mkdtempSync(join(tmpdir(), 'ferry-review-state-'));
  temps.push(state);
  const applied = await runFerry(['apply', '--repo', repo.dir, '--ref', 'main', '--node', LAB_NODE, '--state', state]);
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('ferry plan --repo URL --ref refs/changes/... (a Gerrit verify job)', () => {
  const env = () => ({ FERRY_GIT_USERNAME: server.user, FERRY_GIT_PASSWORD: server.password });
  const cache = () => join(state, '..', 'review-cache');

  it('renders the patchset and prints its diff against what is published', async () => {
    repo.append('classes/cluster/lab/mirror.yml', CIRROS_063);
    const patchset = repo.commit('B: CirrOS 0.6.3 (in review)');
    repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/changes/01/1/1');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const run = await runFerry(['plan', '--repo', server.url('model'), '--ref', 'refs/changes/01/1/1', '--node', LAB_NODE, '--state', state, '--json'], { env: { ...env(), TMPDIR: cache() } });
    expect(run.stderr).not.toContain(server.password);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { commit: string; resources: Array<{ id: string; change: string; fetchBytes?: number }>; summary: { change: number; fetchBytes: number } };
    expect(plan.commit).toBe(patchset);
    expect(plan.summary.change).toBe(1);
    expect(plan.resources.find((r) => r.id === 'file/images-cirros')).toMatchObject({ change: 'change', fetchBytes: 2097275 });
    const human = await runFerry(['plan', '--repo', server.url('model'), '--ref', 'refs/changes/01/1/1', '--node', LAB_NODE, '--state', state], { env: { ...env(), TMPDIR: cache() } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/images-cirros/);
  }, 120_000);

  it('exits 2 on an invalid patchset, naming the file', async () => {
    repo.write('classes/cluster/lab/mirror.yml', 'parameters:\n  ferry: [unclosed\n');
    repo.commit('broken (in review)');
    repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/changes/02/2/1');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const run = await runFerry(['plan', '--repo', server.url('model'), '--ref', 'refs/changes/02/2/1', '--node', LAB_NODE, '--state', state], { env: { ...env(), TMPDIR: cache() } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/classes\/cluster\/lab\/mirror\.yml/);
  }, 120_000);

  it('fails without credentials, and never prints them', async () => {
    const run = await runFerry(['plan', '--repo', server.url('model'), '--ref', 'main', '--node', LAB_NODE, '--state', state], { env: { FERRY_GIT_USERNAME: server.user, FERRY_GIT_PASSWORD: 'wrong-secret-123', TMPDIR: cache() } });
    expect(run.code).toBe(1);
    expect(run.stderr + run.stdout).not.toContain('wrong-secret-123');
  }, 120_000);
});
