/**
 * Deb mirrors end to end through the real CLI: an upstream Debian repository (.debs built with
 * dpkg-deb, signed with a GnuPG test key, on 127.0.0.1), a model with a full and a partial
 * mirror, `ferry apply`, then apt-get (own Dir root, `signed-by` the published site key) runs
 * update and downloads a package with its dependencies from `ferry serve` and from nginx serving
 * the state folder. A no-op refresh asks upstream for InRelease only; a package whose bytes do
 * not match the index fails the apply and publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { supportedKinds } from '../../src/drivers/registry.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { makeAptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream, type FixturePackage } from '../helpers/deb-repo.js';
import { runFerry } from '../helpers/run-ferry.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);

const PACKAGES: FixturePackage[] = [
  { name: 'app', version: '2.0-1', depends: 'libfoo (>= 1.2), python3:any, mta | mail-transport-agent', preDepends: 'base-init' },
  { name: 'libfoo', version: '1.0-1' },
  { name: 'libfoo', version: '1.3-1' },
  { name: 'python3', version: '3.11.2-1', multiArch: 'allowed' },
  { name: 'postfix', version: '3.7-1', provides: 'mail-transport-agent' },
  { name: 'base-init', version: '1', priority: 'required' },
  { name: 'docs-pkg', version: '1.0', arch: 'all' },
  { name: 'unrelated', version: '9' },
];
const CLOSURE = ['app_2.0-1_amd64.deb', 'base-init_1_amd64.deb', 'libfoo_1.3-1_amd64.deb', 'postfix_3.7-1_amd64.deb', 'python3_3.11.2-1_amd64.deb'];

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;
let modelDir: string;
let state: string;
let server: RunningServer | undefined;
let nginx: ChildProcess | undefined;

function indent(text: string, spaces: number): string {
  return text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

function model(extra = ''): string {
  const mirror = (name: string, url: string, more: string) => `      ${name}:
        kind: deb
        url: ${url}
        suites: [bookworm]
        components: [main]
        architectures: [amd64]
        keys:
          - |
${indent(key.publicArmored, 12)}
${more}`;
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
${mirror('debian', `${upstream.url}/debian`, '')}
${mirror('app-only', `${upstream.url}/debian`, '        packages: [app]\n        with_deps: true\n')}
${extra}`;
}

async function gitCommit(text: string): Promise<void> {
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), text);
  await run('git', ['add', '-A'], { cwd: modelDir });
  await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'model'], { cwd: modelDir });
}

async function apply(extra: string[] = []): Promise<{ code: number | null; out: string; json?: { outcome: string; snapshot: string } }> {
  const r = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json', ...extra]);
  let json;
  try {
    json = JSON.parse(r.stdout) as { outcome: string; snapshot: string };
  } catch {
    json = undefined;
  }
  return { code: r.code, out: r.stderr + r.stdout, json };
}


async function aptFrom(base: string, name: string): Promise<string[]> {
  const keyFile = join(tmp, `${name}-key.asc`);
  const res = await fetch(`${base}/deb/${name}/archive-key.asc`);
  expect(res.status).toBe(200);
  writeFileSync(keyFile, await res.text());
  const apt = await makeAptRoot({ sources: [`deb [signed-by=SIGNED_BY] ${base}/deb/${name} bookworm main`], keyFile });
  try {
    const update = await apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    await apt.apt(['install', '--download-only', '--no-install-recommends', '-y', 'app']);
    return await apt.downloaded();
  } finally {
    rmSync(apt.root, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  if (!supportedKinds().includes('deb')) throw new Error('kind deb is not registered in src/drivers/registry.ts');
  for (const tool of ['dpkg-deb', 'gpg', 'gpgv', 'apt-get', 'nginx']) {
    await run('which', [tool]).catch(() => {
      throw new Error(`${tool} is missing: run scripts/install-deb-tools.sh`);
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-deb-'));
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'debian'), PACKAGES, { key, byHash: true });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  await gitCommit(model());
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await server?.close();
  await upstream?.close();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('deb mirrors, end to end', () => {
  it('apt-get updates and downloads app with its dependencies from ferry serve and from nginx', async () => {
    const first = await apply();
    expect(first.code).toBe(0);
    expect(first.json?.outcome).toBe('published');

    server = await startServer({ stateDir: state, port: 0 });
    expect(await aptFrom(server.url, 'app-only')).toEqual(CLOSURE);
    expect(await aptFrom(server.url, 'debian')).toEqual(CLOSURE);

    const port = await freePort();
    const conf = join(tmp, 'nginx.conf');
    writeFileSync(
      conf,
      `user root;\nworker_processes 1;\nerror_log ${tmp}/nginx-error.log;\npid ${tmp}/nginx.pid;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  client_body_temp_path ${tmp}/nginx-body;\n  proxy_temp_path ${tmp}/nginx-proxy;\n  fastcgi_temp_path ${tmp}/nginx-fcgi;\n  uwsgi_temp_path ${tmp}/nginx-uwsgi;\n  scgi_temp_path ${tmp}/nginx-scgi;\n${renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${port}` })}\n}\n`,
    );
    nginx = spawn('nginx', ['-c', conf, '-p', tmp, '-g', 'daemon off;'], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await fetch(`${base}/deb/app-only/archive-key.asc`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await aptFrom(base, 'app-only')).toEqual(CLOSURE);
  }, 180_000);

  it('a no-op refresh asks upstream for InRelease only', async () => {
    upstream.requests.length = 0;
    const again = await apply(['--refresh']);
    expect(again.code).toBe(0);
    expect(upstream.requests.filter((p) => !p.endsWith('/InRelease'))).toEqual([]);
    expect(upstream.requests.length).toBeGreaterThan(0);
  }, 120_000);

  it('a package whose bytes do not match its index fails the apply and publishes nothing', async () => {
    const before = basename(readlinkSync(join(state, 'current')));
    const bad = join(tmp, 'upstream', 'bad');
    const repo = await makeUpstream(bad, [{ name: 'evil', version: '1' }], { key });
    const deb = join(bad, repo.packages[0].filename);
    const bytes = readFileSync(deb);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(deb, bytes);
    await gitCommit(model(`      bad:\n        kind: deb\n        url: ${upstream.url}/bad\n        suites: [bookworm]\n        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`));
    const r = await apply();
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/FERRY_DIGEST_MISMATCH|sha256|digest/i);
    expect(r.out).toContain(`${upstream.url}/bad/pool/main/e/evil/evil_1_amd64.deb`);
    expect(basename(readlinkSync(join(state, 'current')))).toBe(before);
  }, 120_000);
});
