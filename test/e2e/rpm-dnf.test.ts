/**
 * rpm mirrors end to end through the real CLI: an upstream repository built with rpmbuild and
 * createrepo_c (a virtual provide, a file dependency only filelists knows, a rich dependency,
 * an obsoleted package; packages signed with rpmsign, repomd.xml with gpg, primary in zstd) on
 * 127.0.0.1; a model with a full and a partial mirror; `ferry apply`; Debian's dnf, with its own
 * installroot and repo files pointing at Ferry (gpgcheck and repo_gpgcheck on: the site key for
 * repomd.xml, upstream's for the packages), runs makecache and `dnf download --resolve app`
 * from the partial mirror alone, from `ferry serve` and from nginx; then across a publish and a
 * rollback (and from the retained snapshot); a bad signature publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { supportedKinds } from '../../src/drivers/registry.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { freePort } from '../helpers/free-port.js';
import { makeDnfRoot, type DnfRoot } from '../helpers/rpm-dnf.js';
import { buildRpmRepo, type RpmDef } from '../helpers/rpm-repo.js';
import { runFerry } from '../helpers/run-ferry.js';

const run = promisify(execFile);

const PACKAGES: RpmDef[] = [
  { name: 'app', requires: ['webserver', '/usr/share/gamma/data.txt', '(libx or liby)', 'oldtool'] },
  { name: 'nginxish', provides: ['webserver'] },
  { name: 'gamma', files: ['/usr/share/gamma/data.txt'] },
  { name: 'liby' },
  { name: 'unrelated' },
  { name: 'oldtool', version: '1.0' },
  { name: 'newtool', version: '2.0', obsoletes: ['oldtool < 2.0'] },
];
/** What dnf download --resolve app takes: app and what it needs (newtool, which obsoletes oldtool, is in the mirror too). */
const DNF_CLOSURE = ['app-1.0-1.noarch.rpm', 'gamma-1.0-1.noarch.rpm', 'liby-1.0-1.noarch.rpm', 'nginxish-1.0-1.noarch.rpm', 'oldtool-1.0-1.noarch.rpm'];

let tmp: string;
let key: GpgKey;
let other: GpgKey;
let upstream: StaticServer;
let modelDir: string;
let state: string;
let server: RunningServer | undefined;
let nginx: ChildProcess | undefined;
const roots: DnfRoot[] = [];

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function model(packages: string[], extra = ''): string {
  const keys = `        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`;
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      centos:
        kind: rpm
        url: ${upstream.url}/centos
${keys}      app-only:
        kind: rpm
        url: ${upstream.url}/centos
        packages: [${packages.join(', ')}]
${keys}${extra}`;
}

async function commit(text: string): Promise<void> {
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), text);
  await run('git', ['add', '-A'], { cwd: modelDir });
  await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'model'], { cwd: modelDir });
}

async function apply(): Promise<{ code: number | null; out: string; snapshot?: string }> {
  const r = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json']);
  let snapshot: string | undefined;
  try {
    snapshot = (JSON.parse(r.stdout) as { snapshot?: string }).snapshot;
  } catch {
    snapshot = undefined;
  }
  return { code: r.code, out: r.stderr + r.stdout, snapshot };
}

const current = () => basename(readlinkSync(join(state, 'current')));

/** A dnf root whose only repository is `/rpm/<name>/` at `base` (the site key and upstream's package key trusted). */
function dnfFor(base: string, name: string): DnfRoot {
  const keyFile = join(tmp, 'upstream-key.asc');
  writeFileSync(keyFile, key.publicArmored);
  const r = makeDnfRoot([{ id: `ferry-${name}`, baseurl: `${base}/rpm/${name}/`, gpgkeys: [`${base}/rpm/${name}/repodata/repomd.xml.key`, `file://${keyFile}`] }]);
  roots.push(r);
  return r;
}

beforeAll(async () => {
  if (!supportedKinds().includes('rpm')) throw new Error('kind rpm is not registered in src/drivers/registry.ts');
  for (const tool of ['rpmbuild', 'rpmsign', 'createrepo_c', 'dnf', 'gpg', 'zstd', 'nginx']) {
    await run('which', [tool]).catch((e: unknown) => {
      throw new Error(`${tool} is missing: run scripts/install-rpm.sh`, { cause: e });
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-rpm-'));
  key = await makeGpgKey();
  other = await makeGpgKey('Someone Else');
  await buildRpmRepo(join(tmp, 'upstream', 'centos'), { packages: PACKAGES, key, compress: 'zstd' });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  await commit(model(['app']));
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await server?.close();
  await upstream?.close();
  await key?.destroy();
  await other?.destroy();
  for (const r of roots) r.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('rpm mirrors, end to end with dnf', () => {
  let first: string | undefined;

  it('dnf makecache (gpgcheck, repo_gpgcheck) and download --resolve from the partial mirror alone, from ferry serve and nginx', async () => {
    const a = await apply();
    expect(a.code).toBe(0);
    first = a.snapshot;
    server = await startServer({ stateDir: state, port: 0 });

    const full = dnfFor(server.url, 'centos');
    const cache = await full.dnf(['makecache']);
    expect(cache.stderr).not.toMatch(/Error|error:/);
    expect(cache.code).toBe(0);

    const partial = dnfFor(server.url, 'app-only');
    const got = await partial.download(['app']);
    expect(got.result.stderr).not.toMatch(/Error/);
    expect(got.result.code).toBe(0);
    expect(got.files).toEqual(DNF_CLOSURE);
    // The package signatures check out with upstream's key: install into the dnf root.
    const install = await partial.dnf(['install', 'app']);
    expect(install.code).toBe(0);

    const port = await freePort();
    const conf = join(tmp, 'nginx.conf');
    writeFileSync(
      conf,
      `user root;\nworker_processes 1;\nerror_log ${tmp}/nginx-error.log;\npid ${tmp}/nginx.pid;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  client_body_temp_path ${tmp}/nginx-body;\n  proxy_temp_path ${tmp}/nginx-proxy;\n  fastcgi_temp_path ${tmp}/nginx-fcgi;\n  uwsgi_temp_path ${tmp}/nginx-uwsgi;\n  scgi_temp_path ${tmp}/nginx-scgi;\n${renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${port}` })}\n}\n`,
    );
    nginx = spawn('nginx', ['-c', conf, '-p', tmp, '-g', 'daemon off;'], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await fetch(`${base}/rpm/app-only/repodata/repomd.xml`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const viaNginx = await dnfFor(base, 'app-only').download(['app']);
    expect(viaNginx.result.code).toBe(0);
    expect(viaNginx.files).toEqual(DNF_CLOSURE);
  }, 480_000);

  it('across a publish and a rollback, and from the retained snapshot', async () => {
    await commit(model(['app', 'unrelated']));
    const second = await apply();
    expect(second.code).toBe(0);
    expect(second.snapshot).not.toBe(first);
    const dnf = dnfFor(server!.url, 'app-only');
    expect((await dnf.download(['unrelated'])).files).toEqual(['unrelated-1.0-1.noarch.rpm']);

    await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'revert', '--no-edit', 'HEAD'], { cwd: modelDir });
    const back = await apply();
    expect(back.code).toBe(0);
    expect(current()).toBe(first);
    const gone = await dnf.download(['unrelated']);
    expect(gone.result.code).not.toBe(0);
    expect(gone.files).toEqual([]);
    expect((await dnf.download(['app'])).files).toEqual(DNF_CLOSURE);

    // The second snapshot is retained and still served at /snapshots/<id>/.
    const retained = dnfFor(`${server!.url}/snapshots/${second.snapshot}`, 'app-only');
    expect((await retained.download(['unrelated'])).files).toEqual(['unrelated-1.0-1.noarch.rpm']);
  }, 480_000);

  it('a repomd.xml signed by another key fails the apply, naming the file, and publishes nothing', async () => {
    const before = current();
    const bad = join(tmp, 'upstream', 'badsig');
    await buildRpmRepo(bad, { packages: [{ name: 'evil' }], key: other });
    const keys = `        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`;
    await commit(model(['app'], `      evil:\n        kind: rpm\n        url: ${upstream.url}/badsig\n${keys}`));
    const r = await apply();
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('FERRY_BAD_SIGNATURE');
    expect(r.out).toContain(`${upstream.url}/badsig/repodata/repomd.xml.asc`);
    expect(current()).toBe(before);
  }, 120_000);
});
