/**
 * Issue 12: an MCP model's aptly mirrors are served at the URL aptly published them under.
 * A model in MCP's layout (classes/system/aptly/server/mirror/..., a cluster and an apt01 node)
 * has two mirrors published as `ubuntu/xenial` (components main and universe, one pool) and one
 * published as `ubuntu-xenial/2019.2.0` component ceph (its upstream component is main). The
 * real apt-get, through `ferry serve` and through nginx with the generated configuration, reads
 * `deb <base>/ubuntu xenial main universe` and `deb <base>/ubuntu-xenial 2019.2.0 ceph` across a
 * publish (v1), a model change (v2: the universe mirror's filter takes one more package) and a
 * rollback to v1.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { makeAptRoot, type AptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import { freePort } from '../helpers/free-port.js';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';

const run = promisify(execFile);

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;
let modelDir: string;
let state: string;
let ferryServe: ChildProcess | undefined;
let nginx: RunningNginx | undefined;
const clients: Array<{ name: string; base: string; apt: AptRoot }> = [];

const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: modelDir });

function write(rel: string, text: string): void {
  mkdirSync(join(modelDir, rel, '..'), { recursive: true });
  writeFileSync(join(modelDir, rel), text);
}

const gpgkeys = () => `          gpgkeys:\n            - |\n${key.publicArmored.trimEnd().split('\n').map((l) => `              ${l}`).join('\n')}\n`;

/** An aptly mirror class as salt-formula-aptly's system classes write them. */
function aptlyClass(name: string, o: { source: string; component: string; filter?: string; publish: string; as: string }): string {
  return `parameters:
  aptly:
    server:
      mirror:
        ${name}:
          source: ${o.source}
          distribution: xenial
          components: ${o.component}
          architectures: amd64
${o.filter ? `          filter: "${o.filter}"\n          filter_with_deps: true\n` : ''}${gpgkeys()}          publisher:
            component: ${o.as}
            distributions:
              - ${o.publish}
`;
}

function writeModel(universeFilter: string): void {
  write('classes/system/aptly/server/mirror/ubuntu/xenial/main.yml', aptlyClass('xenial-main', { source: '${_param:ubuntu_mirror}', component: 'main', publish: 'ubuntu/xenial', as: 'main' }));
  write('classes/system/aptly/server/mirror/ubuntu/xenial/universe.yml', aptlyClass('xenial-universe', { source: '${_param:ubuntu_mirror}', component: 'universe', filter: universeFilter, publish: 'ubuntu/xenial', as: 'universe' }));
  write('classes/system/aptly/server/mirror/ubuntu/xenial/ceph.yml', aptlyClass('ceph-xenial', { source: `${upstream.url}/ceph`, component: 'main', publish: 'ubuntu-xenial/${_param:mcp_version}', as: 'ceph' }));
  write('classes/cluster/lab/init.yml', `parameters:\n  _param:\n    cluster_name: lab\n    mcp_version: 2019.2.0\n    ubuntu_mirror: ${upstream.url}/ubuntu\n  ferry:\n    site:\n      name: lab\n`);
  write('classes/cluster/lab/infra/apt.yml', 'classes:\n  - system.aptly.server.mirror.ubuntu.xenial.main\n  - system.aptly.server.mirror.ubuntu.xenial.universe\n  - system.aptly.server.mirror.ubuntu.xenial.ceph\n');
  write('nodes/_generated/apt01.lab.local.yml', 'classes:\n  - cluster.lab\n  - cluster.lab.infra.apt\nparameters:\n  _param:\n    linux_system_codename: xenial\n');
}

async function ferry(args: string[], options: { state?: boolean } = {}): Promise<string> {
  const r = await runFerry(options.state === false ? args : [...args, '--state', state]);
  if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered`);
}

/** apt-get update on every client, which of `names` it is offered, and that it downloads them all (from the pool). */
async function installable(names: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of clients) {
    const update = await c.apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    const { stdout } = await run('apt-cache', ['madison', ...names], { env: { ...process.env, APT_CONFIG: join(c.apt.root, 'apt.conf') } });
    out[c.name] = names.filter((n) => new RegExp(`^\\s*${n} \\|`, 'm').test(stdout));
    await c.apt.apt(['install', '--download-only', '--no-install-recommends', '-y', ...out[c.name]]);
  }
  return out;
}

beforeAll(async () => {
  for (const tool of ['dpkg-deb', 'gpg', 'apt-get', 'nginx']) {
    await run('which', [tool]).catch(() => {
      throw new Error(`${tool} is missing: run scripts/install-deb-tools.sh and scripts/install-nginx.sh`);
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-aptly-url-'));
  chmodSync(tmp, 0o755); // nginx's workers read the state folder as their own user
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'ubuntu'), [
    { name: 'base-files', version: '9.4', component: 'main' },
    { name: 'htop', version: '2.0', component: 'universe' },
    { name: 'jq', version: '1.5', component: 'universe' },
  ], { key, suite: 'xenial', components: ['main', 'universe'] });
  await makeUpstream(join(tmp, 'upstream', 'ceph'), [{ name: 'ceph-common', version: '12.2', component: 'main' }], { key, suite: 'xenial' });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(modelDir, { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  ferryServe?.kill('SIGTERM');
  await nginx?.stop();
  await upstream?.close();
  await key?.destroy();
  for (const c of clients) rmSync(c.apt.root, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('aptly publish URLs of an MCP model (issue 12)', () => {
  it('apt-get reads the composed repositories through ferry serve and nginx, across publish and rollback', async () => {
    writeModel('htop');
    await git('add', '-A');
    await git('commit', '-qm', 'v1');
    const desired = await ferry(['desired', '--repo', modelDir, '--ref', 'main', '--json'], { state: false });
    const pub = (JSON.parse(desired) as { translated: Array<{ name: string; spec: Record<string, unknown> }> }).translated.find((t) => t.name === 'aptly-ubuntu');
    expect(pub?.spec).toEqual({ kind: 'deb-publication', prefix: 'ubuntu', distributions: { xenial: [{ mirror: 'xenial-main', component: 'main' }, { mirror: 'xenial-universe', component: 'universe' }] } });
    await ferry(['apply', '--repo', modelDir, '--ref', 'main']);

    const port = await freePort();
    ferryServe = spawnFerry(['serve', '--state', state, '--listen', `127.0.0.1:${port}`]);
    const serveBase = `http://127.0.0.1:${port}`;
    nginx = await startNginx({ dir: tmp, serverBlock: (p) => renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${p}` }) });
    await waitFor(`${serveBase}/ubuntu/dists/xenial/InRelease`);
    // The members stay at /deb/<name>/ too.
    expect((await fetch(`${serveBase}/deb/xenial-main/dists/xenial/InRelease`)).status).toBe(200);
    const keyFile = join(tmp, 'site-key.asc');
    writeFileSync(keyFile, await (await fetch(`${serveBase}/ubuntu/archive-key.asc`)).text());
    for (const [name, base] of [['ferry serve', serveBase], ['nginx', `http://127.0.0.1:${nginx.port}`]] as const) {
      const sources = [`deb [signed-by=SIGNED_BY] ${base}/ubuntu xenial main universe`, `deb [signed-by=SIGNED_BY] ${base}/ubuntu-xenial 2019.2.0 ceph`];
      clients.push({ name, base, apt: await makeAptRoot({ sources, keyFile }) });
    }
    const all = ['base-files', 'htop', 'jq', 'ceph-common'];
    const v1 = ['base-files', 'htop', 'ceph-common'];
    expect(await installable(all)).toEqual({ 'ferry serve': v1, nginx: v1 });

    writeModel('htop | jq');
    await git('commit', '-qam', 'v2: jq');
    await ferry(['apply', '--repo', modelDir, '--ref', 'main']);
    expect(await installable(all)).toEqual({ 'ferry serve': all, nginx: all });

    await ferry(['rollback']);
    expect(await installable(all)).toEqual({ 'ferry serve': v1, nginx: v1 });
  }, 300_000);
});
