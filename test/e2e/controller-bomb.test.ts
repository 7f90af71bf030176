/**
 * Issue 11, defect 1: a hostile model commit is a failed revision, never a dead controller.
 * The real `ferry run` CLI follows a branch on a real git server; while it serves the example
 * mirror, commits are pushed holding (1) a YAML alias bomb (refused by the readers' limits) and
 * (2) a model that is legal but needs more heap than the render worker may use (the worker dies,
 * the controller does not). /healthz and the served file answer 200 all along, the process keeps
 * its pid, and the next good commit is applied.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExampleUpstream, type ExampleUpstream } from '../../examples/upstream/serve.js';
import { readEndpoint } from '../../src/controller/persisted-state.js';
import { CIRROS_063, LAB_NODE, ModelRepo } from '../helpers/model-repo.js';
import { yamlAliasBomb } from '../helpers/model-bombs.js';
import { spawnFerry } from '../helpers/run-ferry.js';
import { startGitServer, type GitServer } from '../integration/controller/git-server.js';

type Status = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const OLD_FILE = '/file/images-cirros/cirros-0.6.2-x86_64-disk.img';
const NEW_FILE = '/file/images-cirros/cirros-0.6.3-x86_64-disk.img';

let upstream: ExampleUpstream;
let server: GitServer;
let repo: ModelRepo;
let child: ChildProcess | undefined;
const temps: string[] = [];

async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  upstream = await startExampleUpstream();
  server = await startGitServer();
  await server.createRepo('model');
  repo = new ModelRepo(upstream.url);
  temps.push(repo.dir);
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
  await upstream?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

it('a bomb commit fails its revision; /healthz and serving keep answering; the next good commit applies (issue 11)', async () => {
  const push = () => repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main');
  push();
  const state = mkdtempSync(join(tmpdir(), 'ferry-bomb-'));
  temps.push(state);
  const secretFile = join(state, 'git-password');
  writeFileSync(secretFile, server.password, { mode: 0o600 });
  const configFile = join(state, 'ferry.yaml');
  const config = [
    `stateDir: ${state}`,
    `node: ${LAB_NODE}`,
    `source: {git: {url: ${server.url('model')}, branch: main, auth: {username: ${server.user}, passwordFile: ${secretFile}}}}`,
    'listen: {host: 127.0.0.1, port: 0}',
    'poll: {interval: 300ms, jitter: 0}',
    'reconcile: {timeout: 120s, backoff: {base: 200ms, max: 1s}}',
    'render: {maxHeapMb: 64, timeout: 60s}',
  ];
  writeFileSync(configFile, config.join('\n') + '\n');
  child = spawnFerry(['run', '--config', configFile]);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = await waitUntil('the controller endpoint', () => readEndpoint(state), 30_000);
  const status = async (): Promise<Status> => {
    const r = await fetch(`${endpoint.url}/status`);
    return (await r.json()) as Status;
  };
  const a = repo.head();
  await waitUntil('A applied', async () => (await status()).lastAppliedRevision === a);

  // Probes all along: every answer must be a 200.
  const probes = { healthz: 0, file: 0, slowestMs: 0, failed: [] as string[] };
  let probing = true;
  const prober = (async () => {
    while (probing) {
      for (const [name, path] of [['healthz', '/healthz'], ['file', OLD_FILE]] as const) {
        const t0 = Date.now();
        const status = await fetch(`${endpoint.url}${path}`, { signal: AbortSignal.timeout(10_000) }).then(
          async (r) => (await r.arrayBuffer(), r.status),
          (e: Error) => `${e.message} (${String((e.cause as Error | undefined)?.message ?? '')}) after ${Date.now() - t0} ms`,
        );
        probes.slowestMs = Math.max(probes.slowestMs, Date.now() - t0);
        if (status === 200) probes[name]++;
        else probes.failed.push(`${path}: ${status}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const failedWith = async (revision: string, code: RegExp, message: RegExp) => {
    const s = await waitUntil(`revision ${revision.slice(0, 8)} to fail`, async () => {
      const s = await status();
      return s.lastAttemptedRevision === revision && s.failingRevision === revision && s.lastErrors?.length > 0 && s;
    });
    expect(s.lastErrors[0].code).toMatch(code);
    expect(s.lastErrors[0].message).toMatch(message);
    expect(s.lastAppliedRevision).toBe(a);
  };

  // (1) The alias bomb of the issue, in the node file.
  repo.append(`nodes/${LAB_NODE}.yml`, yamlAliasBomb().replace('parameters:\n', '  bomb:\n').replace(/^ l/gm, '   l'));
  const bomb = repo.commit('bomb: YAML aliases');
  push();
  await failedWith(bomb, /FERRY_MODEL_TOO_LARGE/, /alias bomb/);

  // (2) A model within the readers' limits whose render needs more than the worker's 64 MiB.
  const node = `nodes/${LAB_NODE}.yml`;
  repo.write(node, repo.git('show', `${a}:${node}`).replace('classes:\n', 'classes:\n  - cluster.lab.huge1\n  - cluster.lab.huge2\n'));
  for (const n of [1, 2]) repo.write(`classes/cluster/lab/huge${n}.yml`, `parameters:\n  huge${n}:\n` + Array.from({ length: 200_000 }, (_, i) => `    - ${i}\n`).join(''));
  const heavy = repo.commit('heavy: a class that does not fit the render heap');
  push();
  await failedWith(heavy, /FERRY_MODEL_TOO_LARGE/, /heap limit/);

  probing = false;
  await prober;
  // Every probe answered (within its 10 s timeout; the slowest waits on the main thread's git
  // fetch and read of the 4 MB commit, not on the render, which runs in the worker).
  expect(probes.failed).toEqual([]);
  expect(probes.healthz).toBeGreaterThan(5);

  // (3) A good commit: applied by the same process.
  repo.git('rm', '-q', 'classes/cluster/lab/huge1.yml', 'classes/cluster/lab/huge2.yml');
  repo.write(node, repo.git('show', `${a}:${node}`));
  repo.append('classes/cluster/lab/mirror.yml', CIRROS_063);
  const good = repo.commit('B: CirrOS 0.6.3');
  push();
  await waitUntil('B applied', async () => (await status()).lastAppliedRevision === good, 90_000);
  expect((await fetch(`${endpoint.url}${NEW_FILE}`)).status).toBe(200);
  expect(child.exitCode).toBeNull();
  expect(stderr).not.toContain(server.password);
}, 240_000);
