/**
 * Issue 10, "Serving hides rollbacks from apt": a client must never be told that an older
 * snapshot's file is current. A partial deb mirror is published (v1), a package is added (v2),
 * the commit is reverted (rollback to the retained v1 snapshot), and the revert is reverted
 * (v2's snapshot again), all within a few seconds, so snapshots share mtime seconds. After each
 * step the real apt-get runs `update` against three servers of the same state folder (`ferry
 * serve`, the controller's server and nginx with the generated configuration), each client
 * keeping its lists between steps as a real client does, and must see exactly the published
 * InRelease and exactly the published packages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseControllerConfig } from '../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../src/controller/controller.js';
import { setSuspended } from '../../src/controller/suspension.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { makeAptRoot, type AptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import { freePort } from '../helpers/free-port.js';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';

const run = promisify(execFile);
const MIRROR = 'app-only';
const IN_RELEASE = `/deb/${MIRROR}/dists/bookworm/InRelease`;

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;
let modelDir: string;
let state: string;
let ferryServe: ChildProcess | undefined;
let controller: RunningController | undefined;
let nginx: RunningNginx | undefined;
const clients: Array<{ name: string; base: string; apt: AptRoot }> = [];

const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: modelDir });

function model(packages: string[]): string {
  const armored = key.publicArmored.trimEnd().split('\n').map((l) => `            ${l}`).join('\n');
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      ${MIRROR}:
        kind: deb
        url: ${upstream.url}/debian
        suites: [bookworm]
        components: [main]
        architectures: [amd64]
        keys:
          - |
${armored}
        packages: [${packages.join(', ')}]
        with_deps: true
`;
}

async function apply(): Promise<string> {
  const r = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json']);
  if (r.code !== 0) throw new Error(`ferry apply failed (${r.code}): ${r.stderr}${r.stdout}`);
  return (JSON.parse(r.stdout) as { outcome: string }).outcome;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered`);
}

/** apt-get update on every client; each must hold the InRelease now served, and offer exactly `offered`. */
async function expectClientsSee(offered: { extra: boolean }): Promise<void> {
  for (const c of clients) {
    const update = await c.apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    const served = Buffer.from(await (await fetch(`${c.base}${IN_RELEASE}`)).arrayBuffer());
    const listName = `${c.base.replace(/^http:\/\//, '')}${IN_RELEASE}`.replace(/\//g, '_');
    const held = readFileSync(join(c.apt.root, 'var/lib/apt/lists', listName));
    expect({ client: c.name, sameInRelease: held.equals(served) }).toEqual({ client: c.name, sameInRelease: true });
    const install = await c.apt.apt(['install', '--download-only', '--no-install-recommends', '-y', 'extra']).then(
      () => 'installed',
      (e: { stderr?: string }) => (e.stderr ?? '').match(/Unable to locate package extra|404\s+Not Found/)?.[0] ?? `failed: ${e.stderr}`,
    );
    expect({ client: c.name, install }).toEqual({ client: c.name, install: offered.extra ? 'installed' : 'Unable to locate package extra' });
  }
}

beforeAll(async () => {
  for (const tool of ['dpkg-deb', 'gpg', 'apt-get']) {
    await run('which', [tool]).catch(() => {
      throw new Error(`${tool} is missing: run scripts/install-deb-tools.sh`);
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-rollback-'));
  chmodSync(tmp, 0o755); // nginx's workers read the state folder as their own user
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'debian'), [
    { name: 'app', version: '1.0', depends: 'libfoo' },
    { name: 'libfoo', version: '1.0' },
    { name: 'extra', version: '2.0' },
  ], { key });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  ferryServe?.kill('SIGTERM');
  await controller?.close();
  await nginx?.stop();
  await upstream?.close();
  await key?.destroy();
  for (const c of clients) rmSync(c.apt.root, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('serving across publish, rollback and re-publish (issue 10)', () => {
  it('apt-get through ferry serve, the controller and nginx always gets the published snapshot', async () => {
    writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(['app']));
    await git('add', '-A');
    await git('commit', '-qm', 'v1: app');
    expect(await apply()).toBe('published');

    const port = await freePort();
    ferryServe = spawnFerry(['serve', '--state', state, '--listen', `127.0.0.1:${port}`]);
    const serveBase = `http://127.0.0.1:${port}`;
    // The controller's own server, on the same state: suspended, so it serves and never reconciles.
    await setSuspended(state, { suspended: true, reason: 'serving test', by: 'test' });
    controller = await startController(
      parseControllerConfig({ stateDir: state, node: 'mirror01', source: { dir: modelDir }, listen: { host: '127.0.0.1', port: 0 }, poll: false, watch: false }, tmp),
      { processMetrics: false },
    );
    nginx = await startNginx({ dir: tmp, serverBlock: (p) => renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${p}` }) });
    const nginxBase = `http://127.0.0.1:${nginx.port}`;
    await waitFor(`${serveBase}${IN_RELEASE}`);
    const keyFile = join(tmp, 'site-key.asc');
    writeFileSync(keyFile, await (await fetch(`${serveBase}/deb/${MIRROR}/archive-key.asc`)).text());
    for (const [name, base] of [['ferry serve', serveBase], ['controller', controller.url], ['nginx', nginxBase]] as const) {
      clients.push({ name, base, apt: await makeAptRoot({ sources: [`deb [signed-by=SIGNED_BY] ${base}/deb/${MIRROR} bookworm main`], keyFile }) });
    }
    await expectClientsSee({ extra: false });

    writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(['app', 'extra']));
    await git('commit', '-qam', 'v2: extra');
    expect(await apply()).toBe('published');
    await expectClientsSee({ extra: true });

    await git('revert', '--no-edit', 'HEAD');
    expect(await apply()).toBe('reused');
    await expectClientsSee({ extra: false });

    await git('revert', '--no-edit', 'HEAD');
    expect(await apply()).toBe('reused');
    await expectClientsSee({ extra: true });
  }, 240_000);
});
