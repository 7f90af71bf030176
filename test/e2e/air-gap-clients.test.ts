/**
 * Air-gap transfer consumed by the real clients (issue 17). A connected site mirrors a Debian
 * repository (deb), a git repository (git) and a tool (file) from upstreams on 127.0.0.1; its
 * bundle crosses to an offline site that shares nothing with it (its own state directory, its
 * own clone of the model, its own apt root); there `ferry apply` publishes the bundle with no
 * upstream request and `ferry serve` is consumed by apt-get, git clone and curl.
 *
 * Then 50 packages change upstream (model unchanged): the connected site refreshes, and the
 * delta bundle holds exactly those 50 packages' bytes plus the regenerated indexes (the test
 * checks the bundle's blob list against both manifests); imported offline, it is what `ferry
 * apply` publishes for the unchanged model, and apt-get sees the new versions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BundleToc } from '../../src/transfer/bundle.js';
import type { SnapshotManifest } from '../../src/store/types.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { makeAptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { buildPackages, makeUpstream, writeArchive, type FixturePackage, type UpstreamRepo } from '../helpers/deb-repo.js';
import { runFerry } from '../helpers/run-ferry.js';
import { git, startSmartServer, type SmartServer } from '../integration/git/git-servers.js';

const run = promisify(execFile);
const NODE = 'mirror01';
const CHANGED = 50;
const pkg = (i: number, version: string): FixturePackage => ({ name: `pkg-${String(i).padStart(2, '0')}`, version, depends: 'libfoo' });
const PACKAGES: FixturePackage[] = [
  { name: 'app', version: '2.0-1', depends: 'libfoo (>= 1.2)' },
  { name: 'libfoo', version: '1.3-1' },
  ...Array.from({ length: CHANGED + 10 }, (_, i) => pkg(i, '1.0-1')),
];

let tmp: string;
let key: GpgKey;
let repo: UpstreamRepo;
let upstream: StaticServer;
let gitUpstream: SmartServer;
let tool: Buffer;
const servers: RunningServer[] = [];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function model(): string {
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      debian:
        kind: deb
        url: ${upstream.url}/debian
        suites: [bookworm]
        components: [main]
        architectures: [amd64]
        keys:
          - |
${indent(key.publicArmored, 12)}
      formulas:
        kind: git
        repositories:
          - name: salt-formulas/nginx
            url: ${gitUpstream.base}/nginx.git
            refs: [master, "refs/tags/*"]
      tools:
        kind: file
        files:
          - url: ${upstream.url}/files/tool-1.0.tar.gz
            sha256: ${sha256(tool)}
            size: ${tool.length}
            path: tool/tool-1.0.tar.gz
`;
}

const ferry = async (args: string[]): Promise<string> => {
  const r = await runFerry(args);
  if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const json = async <T>(args: string[]) => JSON.parse(await ferry([...args, '--json'])) as T;
type Applied = { outcome: string; snapshot: string; stats: { requests: number; bytesFetched: number } };
const apply = (model: string, state: string, extra: string[] = []) => json<Applied>(['apply', '--repo', model, '--ref', 'main', '--node', NODE, '--state', state, ...extra]);
type Exported = { snapshot: string; blobs: number; bytes: number; volumes: string[] };
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

/** apt-get update, then download `names` with their dependencies: the .debs apt fetched. */
async function aptDownload(base: string, names: string[]): Promise<string[]> {
  const keyFile = join(tmp, `apt-key-${Date.now()}.asc`);
  const res = await fetch(`${base}/deb/debian/archive-key.asc`);
  expect(res.status).toBe(200);
  writeFileSync(keyFile, await res.text());
  const apt = await makeAptRoot({ sources: [`deb [signed-by=SIGNED_BY] ${base}/deb/debian bookworm main`], keyFile });
  try {
    const update = await apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    await apt.apt(['install', '--download-only', '--no-install-recommends', '-y', ...names]);
    return await apt.downloaded();
  } finally {
    rmSync(apt.root, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  for (const t of ['dpkg-deb', 'gpg', 'apt-get', 'git', 'curl']) {
    await run('which', [t]).catch(() => {
      throw new Error(`${t} is missing: run scripts/install-deb-tools.sh and scripts/install-git.sh`);
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-airgap-'));
  key = await makeGpgKey();
  repo = await makeUpstream(join(tmp, 'upstream', 'debian'), PACKAGES, { key });
  tool = Buffer.from(Array.from({ length: 4096 }, (_, i) => `tool line ${i}\n`).join(''));
  mkdirSync(join(tmp, 'upstream', 'files'));
  writeFileSync(join(tmp, 'upstream', 'files', 'tool-1.0.tar.gz'), tool);
  upstream = await startStaticServer(join(tmp, 'upstream'));

  const work = join(tmp, 'formula');
  mkdirSync(work);
  await git(work, ['init', '-q', '-b', 'master']);
  writeFileSync(join(work, 'init.sls'), 'nginx:\n  pkg.installed\n');
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', 'first']);
  await git(work, ['tag', '-a', 'v1.0', '-m', 'release 1.0']);
  mkdirSync(join(tmp, 'git'));
  await git(tmp, ['init', '-q', '--bare', join(tmp, 'git', 'nginx.git')]);
  await git(work, ['push', '-q', join(tmp, 'git', 'nginx.git'), 'master', '--tags']);
  gitUpstream = await startSmartServer(join(tmp, 'git'));
}, 300_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await upstream?.close();
  await gitUpstream?.close();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('air-gap transfer to the real clients', () => {
  it('serves a bundle offline to apt-get, git clone and curl; a 50-package delta holds those packages and the indexes only', async () => {
    // The metadata repository, cloned on each side: the sites share nothing else.
    const origin = join(tmp, 'model');
    mkdirSync(join(origin, 'nodes'), { recursive: true });
    writeFileSync(join(origin, 'nodes', `${NODE}.yml`), model());
    await git(origin, ['init', '-q', '-b', 'main']);
    await git(origin, ['add', '-A']);
    await git(origin, ['commit', '-q', '-m', 'mirrors']);
    const connectedModel = join(tmp, 'connected-model');
    const offlineModel = join(tmp, 'offline-model');
    await git(tmp, ['clone', '-q', origin, connectedModel]);
    await git(tmp, ['clone', '-q', origin, offlineModel]);
    const connected = join(tmp, 'connected-state');
    const offline = join(tmp, 'offline-state');

    const a = await apply(connectedModel, connected);
    expect(a.outcome).toBe('published');
    const keyFile = join(tmp, 'connected-site.asc');
    writeFileSync(keyFile, await ferry(['export', '--public-key', '--state', connected]));
    const full = join(tmp, 'bundle-full');
    await json<Exported>(['export', '--state', connected, '-o', full, '--volume-size', '64k']);

    await json(['import', full, '--key', keyFile, '--state', offline]);
    const debRequests = upstream.requests.length;
    const gitRequests = [...gitUpstream.counts.values()].reduce((n, c) => n + c, 0);
    const oa = await apply(offlineModel, offline);
    expect(oa.outcome).toBe('reused');
    expect(oa.stats.requests).toBe(0);
    expect(upstream.requests.length).toBe(debRequests);
    expect([...gitUpstream.counts.values()].reduce((n, c) => n + c, 0)).toBe(gitRequests);

    const served = await startServer({ stateDir: offline, port: 0 });
    servers.push(served);
    // apt-get: the closure of app, and one of the packages that will change.
    expect(await aptDownload(served.url, ['app', 'pkg-07'])).toEqual(['app_2.0-1_amd64.deb', 'libfoo_1.3-1_amd64.deb', 'pkg-07_1.0-1_amd64.deb']);
    // git clone over smart HTTP: the upstream's commit and annotated tag.
    const clone = join(tmp, 'clone');
    await git(tmp, ['clone', '-q', `${served.url}/git/formulas/salt-formulas/nginx.git`, clone]);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(await git(join(tmp, 'formula'), ['rev-parse', 'master']));
    expect(await git(clone, ['cat-file', '-t', 'v1.0'])).toBe('tag');
    // curl: the tool, byte for byte.
    const got = join(tmp, 'tool.tar.gz');
    await run('curl', ['-fsS', '-o', got, `${served.url}/file/tools/tool/tool-1.0.tar.gz`]);
    expect(sha256(readFileSync(got))).toBe(sha256(tool));

    // Upstream moves 50 packages to a new version; the model does not change.
    const moved = await buildPackages(repo.dir, Array.from({ length: CHANGED }, (_, i) => pkg(i, '1.1-1')));
    repo.packages = [...repo.packages.filter((p) => !moved.some((m) => m.name === p.name)), ...moved];
    await writeArchive(repo, { key });
    const b = await apply(connectedModel, connected, ['--refresh']);
    expect(b.outcome).toBe('published');
    const delta = join(tmp, 'bundle-delta');
    const e2 = await json<Exported>(['export', '--state', connected, '--from', a.snapshot, '-o', delta]);
    expect(e2.snapshot).toBe(b.snapshot);

    // The bundle's blob list: the 50 new packages, and the indexes the new snapshot holds that
    // the base lacks. Nothing of the unchanged packages, the git mirror or the tool.
    const toc = readJson<BundleToc>(join(delta, 'toc.json'));
    const before = readJson<SnapshotManifest>(join(full, 'manifest.json'));
    const after = readJson<SnapshotManifest>(join(delta, 'manifest.json'));
    const had = new Set(before.resources.flatMap((r) => r.files.map((f) => f.sha256)));
    const added = after.resources.flatMap((r) => r.files.filter((f) => !had.has(f.sha256)).map((f) => ({ ...f, resource: `${r.kind}/${r.name}` })));
    const debs = added.filter((f) => f.path.endsWith('.deb'));
    const indexes = added.filter((f) => !f.path.endsWith('.deb'));
    expect(debs.map((f) => f.sha256).sort()).toEqual(moved.map((m) => m.sha256).sort());
    expect(new Set(added.map((f) => f.resource))).toEqual(new Set(['deb/debian']));
    for (const f of indexes) expect(f.path).toMatch(/^(dists\/bookworm\/|archive-key\.asc$)/);
    expect(toc.from?.id).toBe(a.snapshot);
    expect(toc.blobs.map((x) => x.sha256).sort()).toEqual([...new Set(added.map((f) => f.sha256))].sort());
    const movedBytes = moved.reduce((n, m) => n + m.size, 0);
    const indexBytes = [...new Map(indexes.map((f) => [f.sha256, f.size])).values()].reduce((n, s) => n + s, 0);
    expect(toc.totalBytes).toBe(movedBytes + indexBytes);

    // Offline: the delta imports on top of the full bundle, and apply of the unchanged model
    // publishes it (the bundle is the offline site's refresh), still with no upstream request.
    await json(['import', delta, '--key', keyFile, '--state', offline]);
    expect(await ferry(['plan', '--repo', offlineModel, '--ref', 'main', '--node', NODE, '--state', offline])).toContain('from bundle');
    const requestsNow = upstream.requests.length;
    const ob = await apply(offlineModel, offline);
    expect(ob.outcome).toBe('reused');
    expect(ob.stats.requests).toBe(0);
    expect(upstream.requests.length).toBe(requestsNow);
    expect(await aptDownload(served.url, ['app', 'pkg-07', 'pkg-55'])).toEqual(['app_2.0-1_amd64.deb', 'libfoo_1.3-1_amd64.deb', 'pkg-07_1.1-1_amd64.deb', 'pkg-55_1.0-1_amd64.deb']);
    await git(clone, ['pull', '-q']);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(await git(join(tmp, 'formula'), ['rev-parse', 'master']));
    // A second apply changes nothing.
    expect((await apply(offlineModel, offline)).outcome).toBe('unchanged');
  }, 600_000);
});
